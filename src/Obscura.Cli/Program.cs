using Obscura.Cli;

return await ObscuraCli.RunAsync(args, Console.Out, Console.Error, CancellationToken.None);
