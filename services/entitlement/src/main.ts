import { main } from '../../kit/src/boot.js';
import { loadEntitlementConfig } from './config.js';
import { buildEntitlementService } from './server.js';

main('entitlement', loadEntitlementConfig, buildEntitlementService);
