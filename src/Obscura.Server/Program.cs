using Obscura.Server.Hosting;

var app = ObscuraServer.Build(args);
await ObscuraServer.InitialiseAsync(app, CancellationToken.None);
await app.RunAsync();

/// <summary>The entry point, visible to integration tests.</summary>
public partial class Program;
