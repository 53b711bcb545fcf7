using Obscura.TestSupport;

namespace Obscura.Vault.Tests;

// Each catalogue-dependent vault test class, once with the catalogue in vault.db and once in PostgreSQL (the
// governance database's vault_* tables); OBSCURA_SKIP_POSTGRES=1 skips the second on purpose.

public sealed class SqliteTrainingDataVaultTests() : TrainingDataVaultTests(StorageBackend.Sqlite);

public sealed class PostgresTrainingDataVaultTests() : TrainingDataVaultTests(StorageBackend.Postgres);

public sealed class SqliteVaultIntegrityTests() : VaultIntegrityTests(StorageBackend.Sqlite);

public sealed class PostgresVaultIntegrityTests() : VaultIntegrityTests(StorageBackend.Postgres);
