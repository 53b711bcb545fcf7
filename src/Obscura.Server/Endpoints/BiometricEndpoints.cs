using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Obscura.Biometrics.Decisions;
using Obscura.Biometrics.Protection;
using Obscura.Biometrics.Roles;
using Obscura.Biometrics.Templates;
using Obscura.Governance;
using Obscura.Governance.Subjects;
using Obscura.Server.Hosting;
using Obscura.Server.Security;

namespace Obscura.Server.Endpoints;

/// <summary>
/// Protected face verification, embedded default: onboarding stores only a sealed, encrypted, cancelable template;
/// verification answers match or no match. Embeddings come from the capturing side's own model; this server never
/// keeps them. Consent for <c>identity-verification</c> is checked on every call. A subject with a live enrolment is
/// not onboarded again (409): replacing the reference is a re-enrolment (<c>PUT</c>, controller only), which destroys
/// the old transformation key. <c>DELETE</c> removes the enrolment (key destroyed, template deleted) for revocation,
/// withdrawal or erasure.
/// </summary>
internal static class BiometricEndpoints
{
    /// <summary>Body of <c>POST /v1/onboarding</c> and <c>POST /v1/verification</c>.</summary>
    /// <param name="Subject">The data subject.</param>
    /// <param name="Embedding">The face embedding, 128 to 512 finite numbers, from any face-recognition model.</param>
    public sealed record FaceRequest(SubjectId Subject, float[] Embedding);

    /// <summary>Body of <c>PUT /v1/onboarding/{subjectId}</c> (re-enrolment).</summary>
    /// <param name="Embedding">The new reference embedding, as for onboarding.</param>
    public sealed record ReEnrolmentRequest(float[] Embedding);

    /// <summary>What onboarding stored: ids and time, never the template.</summary>
    public sealed record OnboardingResponse(SubjectId Subject, string EnrolmentId, string TransformationKeyId, string EncryptionKeyId, string SealingKeyId, DateTimeOffset CreatedAt);

    /// <summary>A verification decision.</summary>
    public sealed record VerificationResponse(SubjectId Subject, bool Match);

    public static IEndpointRouteBuilder MapBiometrics(this IEndpointRouteBuilder app)
    {
        var roleFailed = (StatusCodes.Status502BadGateway, "A biometric role service of a separated deployment is down, refused this process's credential or answered something unexpected (`detail` names the role); for verification also a decision the key holder refused for a reason other than a rate limit.");
        ProblemResponsesTransformer.WithProblems(app.MapPost("/v1/onboarding", OnboardAsync).RequireAuthorization(Policies.ControllerOrProcessor).WithTags("Protected face verification"),
            (StatusCodes.Status409Conflict, "The subject already has a live enrolment; a controller re-enrols with PUT /v1/onboarding/{subjectId}."), roleFailed);
        ProblemResponsesTransformer.WithProblems(app.MapPut("/v1/onboarding/{subjectId}", ReEnrolAsync).RequireAuthorization(Policies.Controller).WithTags("Protected face verification"), roleFailed);
        ProblemResponsesTransformer.WithProblems(app.MapPost("/v1/verification", VerifyAsync).RequireAuthorization(Policies.ControllerOrProcessor).WithTags("Protected face verification"),
            (StatusCodes.Status404NotFound, "The subject is not enrolled."),
            (StatusCodes.Status409Conflict, "The stored template's seal is broken: it was altered."),
            (StatusCodes.Status410Gone, "The enrolment was revoked (withdrawal, objection, erasure or revocation)."),
            (StatusCodes.Status422UnprocessableEntity, "No live explicit consent for identity-verification, or the subject objected."),
            (StatusCodes.Status429TooManyRequests, "This key's rate limit is spent, or the key holder's decision limit for the subject or the caller is reached; `Retry-After` when it is the key's."),
            (StatusCodes.Status503ServiceUnavailable, "The key holder's decision state is missing or altered, or a decision failed authentication: nothing is decided."),
            roleFailed);
        ProblemResponsesTransformer.WithProblems(app.MapDelete("/v1/onboarding/{subjectId}", RevokeAsync).RequireAuthorization(Policies.Controller).WithTags("Protected face verification"), roleFailed);
        ProblemResponsesTransformer.WithProblems(app.MapPost("/v1/verification/key-rotation", RotateAsync).RequireAuthorization(Policies.Controller).WithTags("Protected face verification"), roleFailed);
        return app;
    }

    private static async Task<Results<Created<OnboardingResponse>, ProblemHttpResult>> OnboardAsync(FaceRequest request, Lazy<ProtectedFaceVerification> verification, ClaimsPrincipal user, CancellationToken ct)
    {
        var (stored, problem) = await EnrolAsync(request.Subject, request.Embedding, EnrolmentMode.Onboard, verification, user, ct);
        return stored is null ? problem! : TypedResults.Created($"/v1/onboarding/{request.Subject}", Response(stored));
    }

    /// <summary>Re-enrolment: a controller replaces the subject's reference; the old transformation key is destroyed.</summary>
    private static async Task<Results<Ok<OnboardingResponse>, ProblemHttpResult>> ReEnrolAsync(SubjectId subjectId, ReEnrolmentRequest request, Lazy<ProtectedFaceVerification> verification, ClaimsPrincipal user, CancellationToken ct)
    {
        var (stored, problem) = await EnrolAsync(subjectId, request.Embedding, EnrolmentMode.ReEnrol, verification, user, ct);
        return stored is null ? problem! : TypedResults.Ok(Response(stored));
    }

    /// <summary>The stored template, or the problem to answer.</summary>
    private static async Task<(SealedTemplate? Stored, ProblemHttpResult? Problem)> EnrolAsync(SubjectId subject, float[] embedding, EnrolmentMode mode, Lazy<ProtectedFaceVerification> verification, ClaimsPrincipal user, CancellationToken ct)
    {
        if (!FaceTemplate.TryFromEmbedding(embedding, out var template))
        {
            return (null, InvalidEmbedding());
        }

        try
        {
            var outcome = await verification.Value.EnrolAsync(Policies.ActorOf(user).Value, subject.Value, template, mode, ct);
            return outcome.Succeeded ? (outcome.Value, null) : (null, outcome.Error.Kind switch
            {
                GovernanceErrorKind.Refused => NoConsent(),
                GovernanceErrorKind.Conflict => TypedResults.Problem(detail: outcome.Error.Message, statusCode: StatusCodes.Status409Conflict, title: "Already enrolled."),
                _ => Problems.From(outcome.Error),
            });
        }
        catch (RoleServiceException e)
        {
            return (null, RoleFailed(e));
        }
    }

    private static OnboardingResponse Response(SealedTemplate t) =>
        new(SubjectId.Parse(t.SubjectId), t.EnrolmentId, t.TransformationKeyId, t.EncryptionKeyId, t.SealingKeyId, t.CreatedAt);

    private static async Task<Results<Ok<VerificationResponse>, ProblemHttpResult>> VerifyAsync(FaceRequest request, Lazy<ProtectedFaceVerification> verification, CancellationToken ct)
    {
        if (!FaceTemplate.TryFromEmbedding(request.Embedding, out var template))
        {
            return InvalidEmbedding();
        }

        VerificationResult result;
        try
        {
            result = await verification.Value.VerifyAsync(request.Subject.Value, template, ct);
        }
        catch (RoleServiceException e)
        {
            return RoleFailed(e);
        }
        catch (DecisionRefusedException e)
        {
            // Only a tampered or misconfigured deployment gets here (a rate limit is a refusal below): the key holder said why.
            return TypedResults.Problem(detail: $"The key holder refused the decision ({e.Reason}): {e.Message}", statusCode: StatusCodes.Status502BadGateway, title: "A protected-verification role refused the request.");
        }
        catch (InvalidDataException e)
        {
            // The key holder's decision state is missing or altered, or a decision failed authentication: nothing is decided.
            return TypedResults.Problem(detail: e.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Protected verification cannot decide.");
        }

        if (result.Refusal is not { } refusal)
        {
            return TypedResults.Ok(new VerificationResponse(request.Subject, result.IsMatch));
        }

        var (status, title) = refusal switch
        {
            VerificationRefusal.NoConsent => (StatusCodes.Status422UnprocessableEntity, "Not permitted."),
            VerificationRefusal.NotEnrolled => (StatusCodes.Status404NotFound, "Not enrolled."),
            VerificationRefusal.RateLimited => (StatusCodes.Status429TooManyRequests, "Decision rate limit reached."),
            VerificationRefusal.KeyRevoked => (StatusCodes.Status410Gone, "Enrolment revoked."),
            _ => (StatusCodes.Status409Conflict, "Broken seal."),
        };
        return TypedResults.Problem(detail: refusal.Describe(), statusCode: status, title: title);
    }

    /// <summary>
    /// Removes the enrolment: every transformation key of the subject is destroyed and the template deleted, recorded
    /// with <c>?reason=</c> <c>revocation</c> (the default), <c>withdrawal</c> or <c>erasure</c> (Art. 17).
    /// </summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(SubjectId subjectId, string? reason, Lazy<ProtectedFaceVerification> verification, ClaimsPrincipal user, CancellationToken ct)
    {
        EnrolmentRemoval? removal = (reason ?? "revocation") switch
        {
            "revocation" => EnrolmentRemoval.Revocation,
            "withdrawal" => EnrolmentRemoval.Withdrawal,
            "erasure" => EnrolmentRemoval.Erasure,
            _ => null,
        };
        if (removal is not { } why)
        {
            return Problems.From(new GovernanceError(GovernanceErrorKind.Invalid, "The reason is 'revocation', 'withdrawal' or 'erasure'.", "reason"));
        }

        try
        {
            return await verification.Value.RemoveEnrolmentAsync(Policies.ActorOf(user).Value, subjectId.Value, why, ct)
                ? TypedResults.NoContent()
                : TypedResults.Problem(detail: "The subject has no enrolment.", statusCode: StatusCodes.Status404NotFound, title: "Not found.");
        }
        catch (RoleServiceException e)
        {
            return RoleFailed(e);
        }
    }

    /// <summary>Rotates the provider's encryption and sealing keys, re-encrypting every stored template by key switching.</summary>
    private static async Task<Results<Ok<KeyRotationReport>, ProblemHttpResult>> RotateAsync(Lazy<ProtectedFaceVerification> verification, CancellationToken ct)
    {
        try
        {
            return TypedResults.Ok(await verification.Value.RotateProviderKeysAsync(null, ct));
        }
        catch (RoleServiceException e)
        {
            return RoleFailed(e);
        }
    }

    private static ProblemHttpResult RoleFailed(RoleServiceException e) =>
        TypedResults.Problem(detail: e.Message, statusCode: StatusCodes.Status502BadGateway, title: "A protected-verification role service failed.");

    private static ProblemHttpResult InvalidEmbedding() =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { ["embedding"] = [FaceTemplate.EmbeddingRule] })
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request is invalid.",
        });

    private static ProblemHttpResult NoConsent() =>
        TypedResults.Problem(detail: VerificationRefusal.NoConsent.Describe(), statusCode: StatusCodes.Status422UnprocessableEntity, title: "Not permitted.");
}
