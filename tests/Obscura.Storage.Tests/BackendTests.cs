using Obscura.TestSupport;

namespace Obscura.Storage.Tests;

/// <summary>
/// A storage test class that runs once per backend: each abstract test class derives from this, and
/// <c>Backends.cs</c> declares one concrete class per backend. On PostgreSQL a missing server fails the test, unless
/// <see cref="PostgresServer.OptOutVariable"/> skips it on purpose.
/// </summary>
public abstract class BackendTests(StorageBackend backend)
{
    protected StorageBackend Backend { get; } = backend;

    /// <summary>A fresh governance core on this class's backend.</summary>
    protected GovernanceFixture Fixture()
    {
        Assert.SkipWhen(Backend == StorageBackend.Postgres && PostgresServer.OptedOut, $"{PostgresServer.OptOutVariable}=1: PostgreSQL tests skipped on purpose.");
        return new GovernanceFixture(Backend);
    }
}
