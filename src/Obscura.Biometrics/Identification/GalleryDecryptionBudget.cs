using Microsoft.Data.Sqlite;
using Obscura.Biometrics.Keys;
using Obscura.Homomorphic.Ckks;
using Obscura.Security.Data;
using Obscura.Security.Files;
using static Obscura.Security.Data.SqliteCommands;

namespace Obscura.Biometrics.Identification;

/// <summary>
/// The persistent decryption budget of 1:N provider keys, in one SQLite database (<c>gallery-budget.db</c>) in the key
/// holder's own folder, shared by every process that opens the folder. Each key's row holds its flooding policy (E, t
/// and s, hence σ) and its count of flooded decryptions. A reservation is one <c>BEGIN IMMEDIATE</c> transaction that
/// reads the row, refuses another policy or a spent budget, and counts, committed with <c>synchronous=FULL</c> before
/// the caller decrypts: processes serialise on SQLite's lock, their total never exceeds t, and a crash after a
/// reservation loses no count.
/// </summary>
/// <remarks>
/// The rows are not authenticated: whoever can write this folder can also read the 1:N secret key next to it. A whole
/// older copy of the folder put back (a rollback) would reset the count; that residual risk is in the threat model.
/// </remarks>
public sealed class GalleryDecryptionBudget : IDecryptionBudget, IDisposable
{
    /// <summary>The database's file name in the key holder's folder.</summary>
    public const string FileName = "gallery-budget.db";

    private readonly SqliteStateFile _file;

    private GalleryDecryptionBudget(SqliteStateFile file, string keyId)
    {
        _file = file;
        KeyId = keyId;
    }

    /// <summary>The budget database.</summary>
    public string DatabasePath => _file.Path;

    /// <summary>The 1:N key this budget counts for.</summary>
    public string KeyId { get; }

    /// <inheritdoc/>
    public long Used => InRead(c => Scalar<long?>(c, "SELECT used FROM flooding_budget WHERE key_id = $k", ("$k", KeyId)) ?? 0);

    /// <summary>The policy stored with the key, or <see langword="null"/> before one is adopted.</summary>
    public NoiseFloodingPolicy? Policy => InRead(c => ReadPolicy(c)?.Policy);

    /// <summary>Opens (creating, owner-only) the budget database in <paramref name="directory"/> for the key <paramref name="keyId"/>.</summary>
    /// <exception cref="ArgumentException">The directory or key id is empty.</exception>
    public static GalleryDecryptionBudget Open(string directory, string keyId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentException.ThrowIfNullOrWhiteSpace(keyId);
        var budget = new GalleryDecryptionBudget(new SqliteStateFile(Path.Combine(OwnerOnlyFiles.CreateDirectory(directory), FileName)), keyId);
        using var connection = budget._file.Connect();
        Execute(connection, """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS flooding_budget(key_id TEXT PRIMARY KEY, error_bound REAL NOT NULL,
                max_decryptions INTEGER NOT NULL, security_bits INTEGER NOT NULL, used INTEGER NOT NULL);
            """);
        return budget;
    }

    /// <summary>
    /// Stores <paramref name="proposed"/> as the key's policy unless one is stored already, and returns the stored one:
    /// the first process to calibrate fixes σ for all.
    /// </summary>
    public NoiseFloodingPolicy Adopt(NoiseFloodingPolicy proposed)
    {
        ArgumentNullException.ThrowIfNull(proposed);
        return InWrite(c =>
        {
            if (ReadPolicy(c) is { } stored)
            {
                return stored.Policy;
            }

            Insert(c, proposed);
            return proposed;
        });
    }

    /// <inheritdoc/>
    public void Reserve(NoiseFloodingPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        InWrite(c =>
        {
            if (ReadPolicy(c) is not { } stored)
            {
                Insert(c, policy);
                stored = (policy, 0);
            }

            FloodingPolicyMismatchException.ThrowIfDifferent(stored.Policy, policy);
            if (stored.Used >= stored.Policy.MaxDecryptions)
            {
                throw new DecisionBudgetSpentException(stored.Policy.MaxDecryptions);
            }

            Execute(c, "UPDATE flooding_budget SET used = used + 1 WHERE key_id = $k", ("$k", KeyId));
            return 0;
        });
    }

    /// <inheritdoc/>
    public void Dispose() => _file.Dispose();

    private (NoiseFloodingPolicy Policy, long Used)? ReadPolicy(SqliteConnection c)
    {
        using var command = Command(c, "SELECT error_bound, max_decryptions, security_bits, used FROM flooding_budget WHERE key_id = $k", ("$k", KeyId));
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        try
        {
            return (new NoiseFloodingPolicy(reader.GetDouble(0), reader.GetInt64(1), reader.GetInt32(2)), reader.GetInt64(3));
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new InvalidDataException($"The stored flooding policy of key {KeyId} in {DatabasePath} is invalid; no decryption is made under this key.", e);
        }
    }

    private void Insert(SqliteConnection c, NoiseFloodingPolicy policy) =>
        Execute(
            c,
            "INSERT INTO flooding_budget(key_id, error_bound, max_decryptions, security_bits, used) VALUES ($k, $e, $t, $s, 0)",
            ("$k", KeyId), ("$e", policy.ErrorBound), ("$t", policy.MaxDecryptions), ("$s", policy.StatisticalSecurityBits));

    private T InWrite<T>(Func<SqliteConnection, T> work) => _file.InWrite(durable: true, work);

    private T InRead<T>(Func<SqliteConnection, T> work) => _file.InRead(work);
}
