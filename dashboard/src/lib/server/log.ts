/**
 * The dashboard's logger: JSON lines through the shared pino setup (secrets redacted by key). Its
 * level comes from the configuration (LOG_LEVEL), set by the server's init hook.
 */
import { createLogger } from '$db/shared/log';

export const log = createLogger('dashboard');
