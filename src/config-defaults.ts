// The configuration's shape and defaults (config/config-schema.ts), the environment override and the remote
// rule, for modules that need them without the YAML parser. `run`'s hot path imports none of this at run time:
// config/env.ts and the types only (engine/config-cache.ts).
export { defaultConfig, defaultExecutor, DEFAULT_DEPENDENCY_FILES, splitArgv, type Config, type ExecutorConfig, type TaskSpec } from './config/config-schema.js';
export { applyEnv } from './config/env.js';
export { checkRemote } from './config/remote.js';
