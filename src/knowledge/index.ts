// Knowledge tables: the text format (rows), what a table is (defineTable),
// one table as rules read it, and loading the built-in and the user's files.

export { isGlob, KnowledgeError, parseKnowledge } from './rows';
export type { KnowledgeRow } from './rows';
export { badRow, defineTable, namesOf, noExtraColumns, RowError } from './define-table';
export type { RowOf, TableDefinition, TableNames } from './define-table';
export { KnowledgeTable } from './table';
export { BUILTIN_KNOWLEDGE_DIR, builtinTableNames, Knowledge, knowledgeFor, loadKnowledge } from './load';
