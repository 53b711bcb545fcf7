using Obscura.TestSupport;

namespace Obscura.Storage.Tests;

// Each storage test class, once on the embedded SQLite file and once on PostgreSQL.

public sealed class SqliteAccessLogTests() : AccessLogTests(StorageBackend.Sqlite);

public sealed class PostgresAccessLogTests() : AccessLogTests(StorageBackend.Postgres);

public sealed class SqliteLedgerLaunderingTests() : LedgerLaunderingTests(StorageBackend.Sqlite);

public sealed class PostgresLedgerLaunderingTests() : LedgerLaunderingTests(StorageBackend.Postgres);

public sealed class SqliteLedgerTamperingTests() : LedgerTamperingTests(StorageBackend.Sqlite);

public sealed class PostgresLedgerTamperingTests() : LedgerTamperingTests(StorageBackend.Postgres);

public sealed class SqliteRecordTamperingTests() : RecordTamperingTests(StorageBackend.Sqlite);

public sealed class PostgresRecordTamperingTests() : RecordTamperingTests(StorageBackend.Postgres);

public sealed class SqliteStoreTransactionTests() : StoreTransactionTests(StorageBackend.Sqlite);

public sealed class PostgresStoreTransactionTests() : StoreTransactionTests(StorageBackend.Postgres);

public sealed class SqliteWitnessedHeadTests() : WitnessedHeadTests(StorageBackend.Sqlite);

public sealed class PostgresWitnessedHeadTests() : WitnessedHeadTests(StorageBackend.Postgres);

public sealed class SqlitePrivacyChargeMigrationTests() : PrivacyChargeMigrationTests(StorageBackend.Sqlite);

public sealed class PostgresPrivacyChargeMigrationTests() : PrivacyChargeMigrationTests(StorageBackend.Postgres);

public sealed class SqliteRegisteredReportsTests() : RegisteredReportsTests(StorageBackend.Sqlite);

public sealed class PostgresRegisteredReportsTests() : RegisteredReportsTests(StorageBackend.Postgres);

public sealed class SqlitePurposeDocumentTamperingTests() : PurposeDocumentTamperingTests(StorageBackend.Sqlite);

public sealed class PostgresPurposeDocumentTamperingTests() : PurposeDocumentTamperingTests(StorageBackend.Postgres);

public sealed class SqliteEntryRewriteTests() : EntryRewriteTests(StorageBackend.Sqlite);

public sealed class PostgresEntryRewriteTests() : EntryRewriteTests(StorageBackend.Postgres);
