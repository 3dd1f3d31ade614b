import { describeViewStoreContract } from './store.contract';
import { memoryStore } from './store';

// The MinIO store meets the same cases against the real MinIO in store.int-spec.ts.
describeViewStoreContract('memoryStore', () => memoryStore());
