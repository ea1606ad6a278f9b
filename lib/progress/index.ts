export { createProgressReporter } from './progress-reporter';
export type {
  ProgressEvent,
  ProgressOutput,
  ProgressReporter,
  ProgressReporterOptions,
} from './progress-reporter';
