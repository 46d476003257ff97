import { main } from '../../kit/src/boot.js';
import { loadIdentityConfig } from './config.js';
import { buildIdentityService } from './server.js';

main('identity', loadIdentityConfig, (ctx) => buildIdentityService(ctx));
