export { createWorld, toSeconds, type OverlapKind, type World } from './world';
export {
  startSandbox,
  type Sandbox,
  type SandboxStats,
  type StartSandboxOptions,
} from './server';
export { describeSandbox, type SandboxSummary } from './describe';
export type { SandboxCredentials } from './auth';
export type { FaultRule, FaultType } from './faults';
export type {
  CrmAccount,
  CrmData,
  CrmOpportunity,
  CrmUser,
  MarketingEvent,
  MarketingEventType,
  ProductUsage,
} from './crm';
export type { Scale, WorldOptions } from './types';
