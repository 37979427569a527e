/** why502 library entry: every command is a function returning the versioned report. */
export { diagnoseLogs, UsageError, type DiagnoseLogsOptions } from './logs/diagnose.js';
export { catalogue, causeById } from './causes/index.js';
export type { Cause, CauseId, CauseMeta, SeedCategory } from './causes/types.js';
export type { Report, ReportCause, ReportEvidence, Hop } from './report/types.js';
export { renderText } from './report/render-text.js';
export { renderMarkdown } from './report/render-markdown.js';
export { renderJson } from './report/render-json.js';
export { redactReport } from './report/redact-report.js';
export { redact } from './evidence/redact.js';
export { probeUrl, type ProbeUrlOptions } from './probe/probe-url.js';
export { analyzeConfig, type AnalyzeConfigOptions } from './config/analyze.js';
export { liveCheck, type LiveOptions, type LiveResult } from './config/live.js';
export { runDoctor, type DoctorOptions, type DoctorStats } from './doctor/doctor.js';
