// Replaced by the real setup (MinIO + test database) in the foundation commit.
export default async function globalSetup(): Promise<void> {}
