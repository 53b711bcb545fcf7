using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Obscura.Governance.Access;
using Obscura.Server.Hosting;

namespace Obscura.Server.Security;

/// <summary>
/// Per-API-key fixed-window limits (<see cref="RateLimitOptions"/>): a key past its limit gets 429 with
/// <c>Retry-After</c> and a problem body, and its requests reach no endpoint, so they cannot grow the access log or
/// load the database. Requests without a key are refused by authorisation and never reach the data.
/// </summary>
internal static class RateLimits
{
    public static IServiceCollection AddObscuraRateLimits(this IServiceCollection services, RateLimitOptions options) =>
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => Partition(context.User, options));
            o.OnRejected = async (rejected, ct) =>
            {
                var http = rejected.HttpContext;
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds)) : options.WindowSeconds;
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many requests.",
                        Detail = string.Create(CultureInfo.InvariantCulture, $"This API key has made its {PermitsOf(http.User, options)} requests for this {options.WindowSeconds}-second window; retry after {seconds} s."),
                    },
                });
            };
        });

    private static RateLimitPartition<string> Partition(ClaimsPrincipal user, RateLimitOptions options)
    {
        if (user.Identity is not { IsAuthenticated: true, Name: { } name })
        {
            return RateLimitPartition.GetNoLimiter(string.Empty);
        }

        var permits = PermitsOf(user, options);
        return permits == 0
            ? RateLimitPartition.GetNoLimiter(name)
            : RateLimitPartition.GetFixedWindowLimiter(name, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = permits,
                Window = TimeSpan.FromSeconds(options.WindowSeconds),
                QueueLimit = 0,
                AutoReplenishment = true,
            });
    }

    private static int PermitsOf(ClaimsPrincipal user, RateLimitOptions options) =>
        user.IsInRole(nameof(Role.Subject)) ? options.SubjectPermits : options.KeyPermits;
}
