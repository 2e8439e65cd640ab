// A configuration or baseline file that cannot be used: one message, exit 2, before any analysis.

export class GatingError extends Error {}
