using System.Security.Claims;
using Obscura.Governance;
using Obscura.Governance.Access;
using Obscura.Governance.Subjects;

namespace Obscura.Server.Security;

/// <summary>The authorisation policies endpoints name, and the per-subject check for self-service keys.</summary>
internal static class Policies
{
    public const string Controller = nameof(Controller);
    public const string ControllerOrProcessor = nameof(ControllerOrProcessor);
    public const string ControllerOrAuditor = nameof(ControllerOrAuditor);
    public const string Auditor = nameof(Auditor);
    public const string ControllerOrSubject = nameof(ControllerOrSubject);
    public const string ControllerAuditorOrSubject = nameof(ControllerAuditorOrSubject);
    public const string AuditorOrSubject = nameof(AuditorOrSubject);
    public const string AnyRole = nameof(AnyRole);
    public const string ObjectionIntake = nameof(ObjectionIntake);
    public const string Edge = nameof(Edge);

    public static void Add(Microsoft.AspNetCore.Authorization.AuthorizationOptions options)
    {
        void Roles(string name, params Role[] roles) =>
            options.AddPolicy(name, p => p.RequireAuthenticatedUser().RequireRole(roles.Select(r => r.ToString())));
        Roles(Controller, Role.Controller);
        Roles(ControllerOrProcessor, Role.Controller, Role.Processor);
        Roles(ControllerOrAuditor, Role.Controller, Role.Auditor);
        Roles(Auditor, Role.Auditor);
        Roles(ControllerOrSubject, Role.Controller, Role.Subject);
        Roles(ControllerAuditorOrSubject, Role.Controller, Role.Auditor, Role.Subject);
        Roles(AuditorOrSubject, Role.Auditor, Role.Subject);
        Roles(AnyRole, Role.Controller, Role.Processor, Role.Auditor, Role.Subject);
        Roles(ObjectionIntake, Role.Controller, Role.ObjectionIntake);

        // A store's edge posts its own store's batches and nothing else; not even the controller posts as an edge.
        Roles(Edge, Role.Edge);
    }

    /// <summary>The ledger actor for the caller.</summary>
    public static Actor ActorOf(ClaimsPrincipal user) => Actor.Parse(user.Identity?.Name ?? "anonymous");

    /// <summary>A subject key may only act on its own subject; every other admitted role may act on any.</summary>
    public static bool MayActOn(ClaimsPrincipal user, SubjectId subject) =>
        !user.IsInRole(nameof(Role.Subject)) || user.FindFirst(ApiKeyAuthenticationHandler.SubjectClaim)?.Value == subject.Value;
}
