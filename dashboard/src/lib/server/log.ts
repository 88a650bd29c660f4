/** The dashboard's logger: JSON lines through the shared pino setup (secrets redacted by key). */
import { createLogger } from '$db/log';

export const log = createLogger('dashboard');
