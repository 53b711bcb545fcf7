using Obscura.Biometrics.Protection;

namespace Obscura.Biometrics.Roles.Remote;

/// <summary>
/// The role services' HTTP paths. Every path is under <c>/v1/roles/</c> and needs the calling role's own credential
/// (<c>Authorization: Bearer …</c>), admitted only if that role may call the path; binary values travel base64 in JSON.
/// </summary>
public static class RolePaths
{
    /// <summary>PUT a sealed template / GET one (404 when none) / DELETE one with <c>?enrolmentId=</c> (404 when it is not the stored one).</summary>
    public const string StorageTemplate = "/v1/roles/storage/templates/{subjectId}";

    /// <summary>GET the subjects with a stored template.</summary>
    public const string StorageSubjects = "/v1/roles/storage/subjects";

    /// <summary>POST a <see cref="CompareRequest"/>, get the key holder's <see cref="Decisions.SealedDecision"/> (capture only).</summary>
    public const string Compare = "/v1/roles/comparison/compare";

    /// <summary>POST a <see cref="SwitchKeyRequest"/>, get a <see cref="CiphertextResponse"/>.</summary>
    public const string SwitchKey = "/v1/roles/comparison/switch-key";

    /// <summary>GET the <see cref="ProviderPublicMaterial"/>.</summary>
    public const string PublicMaterial = "/v1/roles/keys/public";

    /// <summary>GET the <see cref="EvaluationKeyMaterial"/> of an encryption key.</summary>
    public const string EvaluationKeys = "/v1/roles/keys/evaluation/{encryptionKeyId}";

    /// <summary>GET the <see cref="CiphertextResponse"/> holding the key-switching key between two encryption keys.</summary>
    public const string RotationKey = "/v1/roles/keys/rotation/{fromKeyId}/{toKeyId}";

    /// <summary>A route with its <c>{name}</c> placeholders filled, in order, with escaped values.</summary>
    public static string Fill(string route, params string[] values)
    {
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(values);
        var parts = route.Split('{');
        if (parts.Length != values.Length + 1)
        {
            throw new ArgumentException($"{route} takes {parts.Length - 1} values.", nameof(values));
        }

        var filled = new System.Text.StringBuilder(parts[0]);
        for (var i = 0; i < values.Length; i++)
        {
            filled.Append(Uri.EscapeDataString(values[i])).Append(parts[i + 1][(parts[i + 1].IndexOf('}', StringComparison.Ordinal) + 1)..]);
        }

        return filled.ToString();
    }

    /// <summary>POST a <see cref="SealRequest"/>, get a <see cref="SealResponse"/>.</summary>
    public const string Seal = "/v1/roles/keys/seal";

    /// <summary>POST a <see cref="Decisions.DecisionTicketRequest"/>, get a <see cref="Decisions.DecisionTicket"/> (capture only).</summary>
    public const string Tickets = "/v1/roles/keys/tickets";

    /// <summary>POST a <see cref="Decisions.AttestedComparison"/>, get a <see cref="Decisions.SealedDecision"/> (comparison only).</summary>
    public const string Decide = "/v1/roles/keys/decide";

    /// <summary>POST to begin (or resume) a rotation; returns the <see cref="ProviderPublicMaterial"/>.</summary>
    public const string BeginRotation = "/v1/roles/keys/rotation";

    /// <summary>POST to complete the rotation under way.</summary>
    public const string CompleteRotation = "/v1/roles/keys/rotation/complete";
}

/// <summary>Body of <see cref="RolePaths.Compare"/>: the reference, the probe and the capture side's decision ticket nonce.</summary>
public sealed record CompareRequest(SealedTemplate Reference, string SubjectId, byte[] Probe, byte[] TicketNonce);

/// <summary>Body of <see cref="RolePaths.SwitchKey"/>.</summary>
public sealed record SwitchKeyRequest(SealedTemplate Reference, string SubjectId, string TargetEncryptionKeyId);

/// <summary>A serialised CKKS object (a ciphertext or a key-switching key).</summary>
public sealed record CiphertextResponse(byte[] Ciphertext);

/// <summary>A seal.</summary>
public sealed record SealResponse(byte[] Signature);

/// <summary>The subjects a store holds templates for.</summary>
public sealed record SubjectList(IReadOnlyList<string> Subjects);

/// <summary>
/// How role services report the domain refusals in problem details, so a client raises the same exception the local
/// role would: the status code picks the kind, the <c>keyId</c> / <c>reason</c> extensions carry its data.
/// </summary>
public static class RoleProblems
{
    /// <summary>A broken seal (<see cref="BrokenSealException"/>).</summary>
    public const int BrokenSeal = 409;

    /// <summary>A retired or unknown key (<see cref="Keys.KeyRevokedException"/>).</summary>
    public const int KeyRevoked = 410;

    /// <summary>A malformed ciphertext or request (<see cref="Homomorphic.Bgv.BgvFormatException"/>, <see cref="ArgumentException"/>).</summary>
    public const int Malformed = 400;

    /// <summary>The key holder refused to decide (<see cref="Decisions.DecisionRefusedException"/>; the <c>reason</c> extension names it).</summary>
    public const int DecisionRefused = 422;

    /// <summary>A decision rate limit (<see cref="Decisions.DecisionRefusedException"/> with a rate-limit <c>reason</c>).</summary>
    public const int RateLimited = 429;
}
