export { TestRunner, summarize, FORMATS, type TestRunOptions, type TestRunReport } from './runner.ts';
export type { CaseResult, RunOptions } from './types.ts';
