import type { Collection, DocumentStore } from '../../../kit/src/store/store.js';
import type { StoredResource } from '../domain/resource-model.js';
import { groupModel, userModel } from '../domain/scim-models.js';

export interface ResourceStores {
  users: Collection<StoredResource>;
  groups: Collection<StoredResource>;
}

export async function openResourceStores(store: DocumentStore): Promise<ResourceStores> {
  return {
    users: await store.collection<StoredResource>(userModel.collection),
    groups: await store.collection<StoredResource>(groupModel.collection),
  };
}
