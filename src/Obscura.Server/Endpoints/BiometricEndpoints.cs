using Microsoft.AspNetCore.Http.HttpResults;
using Obscura.Biometrics.Roles;
using Obscura.Biometrics.Templates;
using Obscura.Governance.Subjects;
using Obscura.Server.Security;

namespace Obscura.Server.Endpoints;

/// <summary>
/// Protected face verification, embedded default: onboarding stores only a sealed, encrypted, cancelable template;
/// verification answers match or no match. Embeddings come from the capturing side's own model; this server never
/// keeps them. Consent for <c>identity-verification</c> is checked on every call.
/// </summary>
internal static class BiometricEndpoints
{
    /// <summary>Body of <c>POST /v1/onboarding</c> and <c>POST /v1/verification</c>.</summary>
    /// <param name="Subject">The data subject.</param>
    /// <param name="Embedding">The face embedding, 128 to 512 finite numbers, from any face-recognition model.</param>
    public sealed record FaceRequest(SubjectId Subject, float[] Embedding);

    /// <summary>What onboarding stored: ids and time, never the template.</summary>
    public sealed record OnboardingResponse(SubjectId Subject, string EnrolmentId, string TransformationKeyId, string EncryptionKeyId, string SealingKeyId, DateTimeOffset CreatedAt);

    /// <summary>A verification decision.</summary>
    public sealed record VerificationResponse(SubjectId Subject, bool Match);

    public static IEndpointRouteBuilder MapBiometrics(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/onboarding", OnboardAsync).RequireAuthorization(Policies.ControllerOrProcessor).WithTags("Protected face verification");
        app.MapPost("/v1/verification", VerifyAsync).RequireAuthorization(Policies.ControllerOrProcessor).WithTags("Protected face verification");
        app.MapDelete("/v1/onboarding/{subjectId}", RevokeAsync).RequireAuthorization(Policies.Controller).WithTags("Protected face verification");
        return app;
    }

    private static async Task<Results<Created<OnboardingResponse>, ProblemHttpResult>> OnboardAsync(FaceRequest request, Lazy<ProtectedFaceVerification> verification, CancellationToken ct)
    {
        if (Template(request) is not { } template)
        {
            return InvalidEmbedding();
        }

        try
        {
            var sealedTemplate = await verification.Value.OnboardAsync(request.Subject.Value, template, ct);
            return TypedResults.Created(
                $"/v1/onboarding/{request.Subject}",
                new OnboardingResponse(request.Subject, sealedTemplate.EnrolmentId, sealedTemplate.TransformationKeyId, sealedTemplate.EncryptionKeyId, sealedTemplate.SealingKeyId, sealedTemplate.CreatedAt));
        }
        catch (UnauthorizedAccessException)
        {
            return NoConsent();
        }
    }

    private static async Task<Results<Ok<VerificationResponse>, ProblemHttpResult>> VerifyAsync(FaceRequest request, Lazy<ProtectedFaceVerification> verification, CancellationToken ct)
    {
        if (Template(request) is not { } template)
        {
            return InvalidEmbedding();
        }

        var result = await verification.Value.VerifyAsync(request.Subject.Value, template, ct);
        return result.Refusal switch
        {
            null => TypedResults.Ok(new VerificationResponse(request.Subject, result.IsMatch)),
            VerificationRefusal.NoConsent => NoConsent(),
            VerificationRefusal.NotEnrolled => TypedResults.Problem(detail: "The subject has no enrolment.", statusCode: StatusCodes.Status404NotFound, title: "Not enrolled."),
            VerificationRefusal.BudgetSpent => TypedResults.Problem(detail: "The provider's encryption key has made all the decisions its noise-flooding bound allows; rotate the key.", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Decision budget spent."),
            VerificationRefusal.KeyRevoked => TypedResults.Problem(detail: "The enrolment's key was revoked; the subject must enrol again.", statusCode: StatusCodes.Status410Gone, title: "Enrolment revoked."),
            _ => TypedResults.Problem(detail: "The stored template failed its seal check: it was changed, swapped or re-bound in storage.", statusCode: StatusCodes.Status409Conflict, title: "Broken seal."),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(SubjectId subjectId, Lazy<ProtectedFaceVerification> verification, CancellationToken ct) =>
        await verification.Value.RevokeEnrolmentAsync(subjectId.Value, ct)
            ? TypedResults.NoContent()
            : TypedResults.Problem(detail: "The subject has no active enrolment.", statusCode: StatusCodes.Status404NotFound, title: "Not found.");

    private static FaceTemplate? Template(FaceRequest request)
    {
        try
        {
            return request.Embedding is null ? null : FaceTemplate.FromEmbedding(request.Embedding);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static ProblemHttpResult InvalidEmbedding() =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { ["embedding"] = [$"An embedding has {FaceTemplate.MinDimension} to {FaceTemplate.MaxDimension} finite numbers and is not all zero."] })
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request is invalid.",
        });

    private static ProblemHttpResult NoConsent() =>
        TypedResults.Problem(detail: "The subject's consent for identity-verification is missing or withdrawn, or the subject objected.", statusCode: StatusCodes.Status422UnprocessableEntity, title: "Not permitted.");
}
