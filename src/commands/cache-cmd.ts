// `patch-audit cache list` and `patch-audit cache prune`: what the type index
// cache holds, and keeping it within a size and an age.

import { defaultCacheDir, prepareCacheDir } from '../types/cache-dir';
import { CacheUnit, DEFAULT_PRUNE_LIMITS, pruneCache, PruneLimits, surveyCache } from '../types/cache-prune';
import { UsageError } from './common';

export interface CacheListOptions {
  cacheDir?: string;
  json: boolean;
}

export function runCacheList(options: CacheListOptions): string {
  const cacheDir = prepareCacheDir(options.cacheDir ?? defaultCacheDir());
  const survey = surveyCache(cacheDir, { withRoots: true });
  const units = [...survey.units].sort((a, b) => b.lastUsedMs - a.lastUsedMs);
  if (options.json) return JSON.stringify({ cacheDir, totalBytes: survey.totalBytes, packs: Object.fromEntries(survey.packs), units }, null, 2) + '\n';
  const lines = [`cache: ${cacheDir}`, `size: ${megabytes(survey.totalBytes)}`];
  for (const [keyPath, bytes] of survey.packs) lines.push(`facts pack of ${keyPath}: ${megabytes(bytes)}`);
  for (const unit of units) lines.push(describeUnit(unit));
  return lines.join('\n') + '\n';
}

export interface CachePruneOptions {
  cacheDir?: string;
  maxBytes?: number;
  maxAgeDays?: number;
  json: boolean;
}

export function runCachePrune(options: CachePruneOptions): string {
  const cacheDir = prepareCacheDir(options.cacheDir ?? defaultCacheDir());
  const limits: PruneLimits = {
    maxBytes: options.maxBytes ?? DEFAULT_PRUNE_LIMITS.maxBytes,
    maxAgeMs: options.maxAgeDays !== undefined ? options.maxAgeDays * 24 * 60 * 60 * 1000 : DEFAULT_PRUNE_LIMITS.maxAgeMs,
  };
  const report = pruneCache(cacheDir, limits);
  if (options.json) return JSON.stringify({ cacheDir, limits, ...report }, null, 2) + '\n';
  const lines = [
    `cache: ${cacheDir}`,
    `limits: ${megabytes(limits.maxBytes)}, ${limits.maxAgeMs / 86_400_000} days unused`,
    `removed: ${report.removed.length}`,
    ...report.removed.map(describeUnit),
    `size: ${megabytes(report.bytesBefore)} before, ${megabytes(report.bytesAfter)} after`,
  ];
  if (report.busy.length) lines.push(`left alone (another run holds their lock): ${[...new Set(report.busy)].join(', ')}`);
  return lines.join('\n') + '\n';
}

/** "30" -> 30 days; a positive number. */
export function parseDays(value: string): number {
  const days = Number(value);
  if (!Number.isFinite(days) || days < 0 || value.trim() === '') throw new UsageError(`--max-age: expected a number of days, got '${value}'`);
  return days;
}

function describeUnit(unit: CacheUnit): string {
  const what = unit.treePath ? (unit.root ?? unit.treePath) : `${unit.keyPath} (an older cache layout)`;
  const used = unit.lastUsedMs ? new Date(unit.lastUsedMs).toISOString().slice(0, 16).replace('T', ' ') : 'never';
  const files = unit.files !== undefined ? `, ${unit.files} files` : '';
  return `  ${what}: ${megabytes(unit.bytes)} of its own${files}, last used ${used}`;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
