using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Obscura.Governance.Access;

namespace Obscura.Server.Tests;

/// <summary>With every log category at Trace, signing in (successfully or not) writes no part of the key anywhere in the log.</summary>
public sealed class ConsoleLoggingTests(ConsoleLoggingTests.TracedServer server) : IClassFixture<ConsoleLoggingTests.TracedServer>
{
    [Fact]
    public async Task A_pasted_key_never_reaches_the_log_even_at_trace_level()
    {
        var key = server.KeyOf(Role.Controller);
        var wrong = key[..^6] + "zzzzzz";
        using var client = ConsoleClient.For(server);
        await client.SignInAsync(wrong);
        await client.SignInAsync(key);
        await client.Http.GetAsync("/console/subjects");

        var secret = key.Split('_')[^1];
        Assert.NotEmpty(server.Lines);
        Assert.Contains(server.Lines, l => l.Contains("/console/login", StringComparison.Ordinal));
        Assert.Contains(server.Lines, l => l.StartsWith("Microsoft.AspNetCore.Mvc.RazorPages.Infrastructure", StringComparison.Ordinal) && l.Contains("handler method", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(server.Lines, l => l.Contains(secret[..12], StringComparison.Ordinal) || l.Contains(wrong.Split('_')[^1][..12], StringComparison.Ordinal));
    }

    /// <summary>The server with every log line captured.</summary>
    public sealed class TracedServer : ServerFixture, ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        protected override void Configure(IWebHostBuilder builder) =>
            // A rule for this provider beats appsettings.json's levels (Information, Microsoft.AspNetCore at Warning).
            builder.ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Trace).AddProvider(this).AddFilter<TracedServer>(null, LogLevel.Trace));

        ILogger ILoggerProvider.CreateLogger(string categoryName) => new Capture(categoryName, Lines);

        void IDisposable.Dispose()
        {
        }

        private sealed class Capture(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull
            {
                lines.Enqueue(category + " scope " + state);
                return null;
            }

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{category} {formatter(state, exception)} {state} {exception}");
        }
    }
}
