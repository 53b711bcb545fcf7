using Obscura.Governance.Access;
using Obscura.Server.Console;
using Obscura.TestSupport;

namespace Obscura.Server.Tests;

public sealed class ConsoleSessionTests
{
    private static readonly ApiKeyRecord Key = new("k1", "dpo", Role.Auditor, null, new byte[32], DateTimeOffset.UnixEpoch, null);

    [Fact]
    public void A_session_ends_after_thirty_idle_minutes_but_not_while_in_use()
    {
        var clock = new ManualClock();
        var sessions = new ConsoleSessions(clock);
        var id = sessions.Start(Key);
        clock.Advance(TimeSpan.FromMinutes(29));
        Assert.NotNull(sessions.Find(id));
        clock.Advance(TimeSpan.FromMinutes(29));
        Assert.NotNull(sessions.Find(id));
        clock.Advance(ConsoleSessions.IdleTimeout);
        Assert.Null(sessions.Find(id));
        Assert.Equal(0, sessions.Count);
    }

    [Fact]
    public void A_busy_session_still_ends_after_eight_hours()
    {
        var clock = new ManualClock();
        var sessions = new ConsoleSessions(clock);
        var id = sessions.Start(Key);
        for (var elapsed = TimeSpan.Zero; elapsed < ConsoleSessions.AbsoluteLifetime - TimeSpan.FromMinutes(10); elapsed += TimeSpan.FromMinutes(10))
        {
            clock.Advance(TimeSpan.FromMinutes(10));
            Assert.NotNull(sessions.Find(id));
        }

        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Null(sessions.Find(id));
    }

    [Fact]
    public void Ids_are_random_and_the_store_holds_only_their_hashes_and_never_a_secret()
    {
        var sessions = new ConsoleSessions(new ManualClock());
        var ids = Enumerable.Range(0, 100).Select(_ => sessions.Start(Key)).ToHashSet();
        Assert.Equal(100, ids.Count);
        Assert.All(ids, id => Assert.True(Convert.FromBase64String(id.Replace('-', '+').Replace('_', '/') + "=").Length == 32));
        Assert.Null(sessions.Find(ids.First()[..^1] + (ids.First()[^1] == 'A' ? 'B' : 'A')));
        Assert.DoesNotContain("SecretHash", sessions.Find(ids.First())!.ToString(), StringComparison.Ordinal);

        sessions.EndAllFor(Key.Id);
        Assert.Equal(0, sessions.Count);
    }
}
