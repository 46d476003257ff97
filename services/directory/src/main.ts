import { main } from '../../kit/src/boot.js';
import { loadDirectoryConfig } from './config.js';
import { buildDirectoryService } from './server.js';

main('directory', loadDirectoryConfig, buildDirectoryService);
