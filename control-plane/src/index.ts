/** Public entry of the control plane package. */
export { createControlPlane, type ControlPlane } from './control-plane.js';
export { loadConfig, type Config } from './config.js';
export { createLogger } from './lib/logger.js';
export { appRouter, type AppRouter } from './router.js';
export type { ErrorBody, ErrorCode } from './errors.js';
export { CONFIG_CHANGE_CHANNEL } from './modules/config/record-config-change.js';
