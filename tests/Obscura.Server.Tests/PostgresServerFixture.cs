namespace Obscura.Server.Tests;

/// <summary>A server whose governance database (and vault catalogue) is the PostgreSQL database <paramref name="database"/> names.</summary>
internal sealed class PostgresServerFixture(string database) : ServerFixture
{
    protected override void Configure(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder) => builder.UseSetting("Obscura:Database", database);
}
