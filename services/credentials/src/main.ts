import { main } from '../../kit/src/boot.js';
import { loadCredentialsConfig } from './config.js';
import { buildCredentialsService } from './server.js';

main('credentials', loadCredentialsConfig, buildCredentialsService);
