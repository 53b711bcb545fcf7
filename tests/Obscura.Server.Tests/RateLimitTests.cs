using System.Net;
using Microsoft.AspNetCore.Hosting;
using Obscura.Governance.Access;
using Obscura.Governance.Subjects;

namespace Obscura.Server.Tests;

/// <summary>
/// Per-key rate limits (issue 12, finding 11). The window is an hour, so no permit comes back while the test runs:
/// the outcome does not depend on timing.
/// </summary>
public sealed class RateLimitTests(RateLimitTests.LimitedServer server) : IClassFixture<RateLimitTests.LimitedServer>
{
    [Fact]
    public async Task A_subject_key_past_its_limit_gets_429_with_retry_after_while_other_keys_go_on()
    {
        using var controller = server.As(Role.Controller);
        foreach (var id in new[] { "s-limited", "s-neighbour" })
        {
            Assert.Equal(HttpStatusCode.Created, (await controller.PostAsync("/v1/subjects", Json.Raw($$"""{"id":"{{id}}"}"""))).StatusCode);
        }

        using var self = server.As(Role.Subject, SubjectId.Parse("s-limited"));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await self.GetAsync("/v1/subjects/s-limited/consents")).StatusCode);
        }

        var refused = await self.GetAsync("/v1/subjects/s-limited/consents");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "no Retry-After");

        using var neighbour = server.As(Role.Subject, SubjectId.Parse("s-neighbour"));
        Assert.Equal(HttpStatusCode.OK, (await neighbour.GetAsync("/v1/subjects/s-neighbour/consents")).StatusCode);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await controller.GetAsync("/v1/subjects/s-limited/consents")).StatusCode);
        }
    }

    /// <summary>The server with a limit of three requests per hour for each subject key.</summary>
    public sealed class LimitedServer : ServerFixture
    {
        protected override void Configure(IWebHostBuilder builder)
        {
            builder.UseSetting("Obscura:RateLimit:SubjectPermits", "3");
            builder.UseSetting("Obscura:RateLimit:WindowSeconds", "3600");
        }
    }
}
