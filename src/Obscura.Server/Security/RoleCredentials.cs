using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Obscura.Server.Hosting;

namespace Obscura.Server.Security;

/// <summary>
/// Who may call a role service's routes: every route under <c>/v1/roles</c> names its calling roles
/// (<see cref="AllowedCallers"/>); a request is admitted only with the credential of one of them. The caller presents
/// its own secret as <c>Authorization: Bearer …</c>; the service holds only the SHA-256 of each role's credential and
/// compares against all of them in constant time. No or an unknown credential gets 401, a known role that may not call
/// the route 403, both before the request body is read. A route without <see cref="AllowedCallers"/> admits nobody.
/// </summary>
internal sealed class RoleCredentials(RequestDelegate next, IOptions<ObscuraOptions> options)
{
    private const string CallerItem = "obscura.role-caller";
    private readonly (CallingRole Role, byte[] Hash)[] _callers = [.. options.Value.CallerCredentialHashes().Select(p => (p.Key, p.Value))];

    /// <summary>The authenticated calling role of a request this middleware admitted.</summary>
    public static CallingRole CallerOf(HttpContext context) =>
        context.Items.TryGetValue(CallerItem, out var caller) && caller is CallingRole role ? role : throw new InvalidOperationException("The request was not admitted by a role credential.");

    /// <summary>The lower-case name the key holder records for a caller.</summary>
    public static string NameOf(CallingRole role) => role switch
    {
        CallingRole.Capture => "capture",
        CallingRole.KeyHolder => "key-holder",
        CallingRole.Comparison => "comparison",
        CallingRole.Storage => "storage",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public Task InvokeAsync(HttpContext context)
    {
        // Routing matches paths case-insensitively (/V1/ROLES/keys/seal reaches the seal route), so the prefix is compared
        // the same way, and any endpoint that carries a row of the matrix is guarded whatever its path.
        if (!context.Request.Path.StartsWithSegments("/v1/roles", StringComparison.OrdinalIgnoreCase)
            && context.GetEndpoint()?.Metadata.GetMetadata<AllowedCallers>() is null)
        {
            return next(context);
        }

        var header = context.Request.Headers.Authorization.ToString();
        var presented = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : string.Empty;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        CallingRole? caller = null;
        foreach (var (role, expected) in _callers)
        {
            // Every hash is compared, matched or not, so the time taken does not tell which role's credential was close.
            if (CryptographicOperations.FixedTimeEquals(hash, expected))
            {
                caller = role;
            }
        }

        if (presented.Length == 0 || caller is not { } known)
        {
            return Results.Problem(detail: "This role service needs the calling role's own credential.", statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized.").ExecuteAsync(context);
        }

        if (context.GetEndpoint()?.Metadata.GetMetadata<AllowedCallers>() is not { } allowed || !allowed.Roles.Contains(known))
        {
            return Results.Problem(detail: $"The {NameOf(known)} role may not call this route.", statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.").ExecuteAsync(context);
        }

        context.Items[CallerItem] = known;
        return next(context);
    }
}

/// <summary>The calling roles a role-service route admits (its row of the role matrix).</summary>
internal sealed record AllowedCallers(IReadOnlySet<CallingRole> Roles);
