/**
 * Picks the document store adapter: MongoDB when `MONGODB_URI` is configured, otherwise the embedded store
 * persisted under `dataDir`.
 */
import { EmbeddedDocumentStore } from './embedded-store.js';
import { MongoDocumentStore } from './mongo-store.js';
import type { DocumentStore } from './store.js';

export interface OpenStoreOptions {
  mongodbUri?: string;
  dataDir: string;
}

export async function openDocumentStore({ mongodbUri, dataDir }: OpenStoreOptions): Promise<DocumentStore> {
  return mongodbUri ? MongoDocumentStore.connect(mongodbUri) : EmbeddedDocumentStore.open(dataDir);
}
