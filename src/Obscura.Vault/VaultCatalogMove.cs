namespace Obscura.Vault;

/// <summary>What moving a vault folder's <c>vault.db</c> into PostgreSQL did (see <see cref="TrainingDataVault.MoveCatalogToPostgres"/>).</summary>
/// <param name="Rows">The row count of each catalogue table, by its SQLite name.</param>
/// <param name="AlreadyComplete">The move had been completed by an earlier run; nothing was written now.</param>
public sealed record VaultCatalogMove(IReadOnlyDictionary<string, long> Rows, bool AlreadyComplete);
