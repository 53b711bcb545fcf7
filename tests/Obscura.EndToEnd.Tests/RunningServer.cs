using System.Diagnostics;

namespace Obscura.EndToEnd.Tests;

/// <summary>The real server as a child process on a free loopback port; killed on dispose.</summary>
internal sealed class RunningServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output;
    private int _disposed;

    private RunningServer(Process process, Uri url, System.Text.StringBuilder output)
    {
        _process = process;
        Url = url;
        _output = output;
    }

    /// <summary>Everything the server wrote to standard output and error so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public Uri Url { get; }

    private static TimeSpan StartupGuard { get; } = TimeSpan.FromMinutes(5);

    public Process Process => _process;

    public static Task<RunningServer> StartAsync(string dataDirectory) => StartAsync(dataDirectory, null);

    /// <summary>Starts the server with extra configuration arguments and environment variables.</summary>
    public static async Task<RunningServer> StartAsync(string dataDirectory, IReadOnlyDictionary<string, string>? environment, params string[] extraArguments)
    {
        var url = new Uri($"http://127.0.0.1:{Built.FreePort()}");
        var process = Built.Start(Built.ServerDll, environment, ["--data", dataDirectory, "--urls", url.ToString(), .. extraArguments]);
        var output = new System.Text.StringBuilder();
        void Capture(string? line)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }

        process.OutputDataReceived += (_, e) => Capture(e.Data);
        process.ErrorDataReceived += (_, e) => Capture(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var client = new HttpClient { BaseAddress = url };
        var deadline = Stopwatch.StartNew();
        // A guard against a server that never comes up, not a speed requirement: a new key holder creates and
        // calibrates its keys before it listens, which takes tens of seconds on a loaded 2-core machine.
        while (deadline.Elapsed < StartupGuard)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with code {process.ExitCode}.");
            }

            try
            {
                if ((await client.GetAsync("/health")).IsSuccessStatusCode)
                {
                    return new RunningServer(process, url, output);
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        process.Kill(entireProcessTree: true);
        throw new TimeoutException($"The server did not answer /health within {StartupGuard.TotalSeconds:F0} s.");
    }

    public void Crash() => _process.Kill(entireProcessTree: true);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
