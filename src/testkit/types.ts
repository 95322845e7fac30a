/** Result of one declarative test case run by `sbob test`. */
export interface CaseResult {
  /** file the case came from */
  file: string;
  id: string;
  status: 'passed' | 'failed' | 'skipped';
  /** why it failed or was skipped */
  reason?: string;
  expected?: unknown;
  actual?: unknown;
}

export interface RunOptions {
  /** expectation keys to ignore (e.g. message, uniqueId) */
  ignore: Set<string>;
}
