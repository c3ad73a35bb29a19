/**
 * `npm start`: the companion app on http://localhost:3000.
 *
 * PORT changes the port, HOST the address (127.0.0.1 by default),
 * SESSION_STORE=memory swaps the FileStore in ./.sessions for a MemoryStore,
 * SESSION_STORE=redis for a RedisStore at REDIS_URL (redis://127.0.0.1:6379),
 * SESSION_SECRET sets the signing secret, SESSIONS_DIR the FileStore's folder
 * (see `launch.ts`).
 */
import { launch } from './launch.js'

void launch()
