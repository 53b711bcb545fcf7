using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Obscura.Governance.Access;

namespace Obscura.Server.Security;

/// <summary>
/// Authenticates <c>Authorization: Bearer obk_…</c> (or <c>X-Api-Key: obk_…</c>) against the stored key hashes.
/// The presented key is never logged.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeys keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string SubjectClaim = "obscura:subject";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? presented = null;
        var authorization = Request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            presented = authorization["Bearer ".Length..].Trim();
        }
        else if (Request.Headers.TryGetValue("X-Api-Key", out var header))
        {
            presented = header.ToString().Trim();
        }

        if (string.IsNullOrEmpty(presented))
        {
            return AuthenticateResult.NoResult();
        }

        var record = await keys.AuthenticateAsync(presented, Context.RequestAborted).ConfigureAwait(false);
        if (record is null)
        {
            return AuthenticateResult.Fail("Unknown or revoked API key.");
        }

        return AuthenticateResult.Success(new AuthenticationTicket(PrincipalOf(record, SchemeName), SchemeName));
    }

    /// <summary>The caller as the endpoints and policies see it, for a live key authenticated by <paramref name="scheme"/>.</summary>
    public static ClaimsPrincipal PrincipalOf(ApiKeyRecord record, string scheme)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, "apikey:" + record.Name),
            new(ClaimTypes.Role, record.Role.ToString()),
        };
        if (record.Subject is { } subject)
        {
            claims.Add(new Claim(SubjectClaim, subject.Value));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }
}
