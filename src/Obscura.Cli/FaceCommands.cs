using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Obscura.Biometrics.Roles;
using Obscura.Biometrics.Templates;
using Obscura.Governance;
using Obscura.Governance.Serialization;

namespace Obscura.Cli;

/// <summary><c>obscura faces</c>: protected onboarding, verification and revocation, locally or through a server.</summary>
public static partial class ObscuraCli
{
    private static Command FaceCommands(CliRunner runner)
    {
        var subject = CliOptions.Subject();
        var embedding = new Option<FileInfo?>("--embedding") { Description = "File with one embedding: a JSON array of numbers, or one CSV line (an optional leading label is ignored)." };
        var image = new Option<FileInfo?>("--image") { Description = "A photo (PNG, JPEG, WebP): the face is detected, aligned and embedded here with the pinned models (see 'obscura models'); only the embedding leaves this process. With --model: a cropped, aligned face for your own model." };
        var model = new Option<FileInfo?>("--model") { Description = "Your own ONNX face-embedding model taking [N, 3, S, S] and giving [N, d], run on an already cropped and aligned --image." };
        var inputSize = new Option<int>("--input-size") { Description = "With --model: the model's square input size S in pixels.", DefaultValueFactory = _ => 112 };
        var models = PhotoCapture.ModelsOption();
        var largestFace = PhotoCapture.LargestFaceOption();
        Option[] probeOptions = [embedding, image, model, inputSize, models, largestFace];
        float[] Probe(ParseResult r) => ReadProbe(r.GetValue(embedding), r.GetValue(image), r.GetValue(model), r.GetValue(inputSize), r.GetValue(models), r.GetValue(largestFace));
        var reEnrol = new Option<bool>("--re-enrol") { Description = "Replace a live enrolment (a controller's decision): its transformation key is destroyed and the template replaced, both recorded." };
        var onboard = Define(runner, "onboard", $"Onboard a subject: store only a sealed, encrypted, cancelable template (consent for identity-verification required). A subject with a live enrolment is refused (exit {ExitCodes.AlreadyEnrolled}) unless --re-enrol is given.", [subject, reEnrol, .. probeOptions], r =>
        {
            var values = Probe(r);
            var mode = r.GetValue(reEnrol) ? EnrolmentMode.ReEnrol : EnrolmentMode.Onboard;
            return new Operation(
                async (s, ct) =>
                {
                    if (!FaceTemplate.TryFromEmbedding(values, out var template))
                    {
                        return InvalidEmbedding();
                    }

                    var outcome = await s.Verification.Value.EnrolAsync(s.Actor.Value, r.GetValue(subject).Value, template, mode, ct);
                    if (!outcome.Succeeded)
                    {
                        return new Reply(null, outcome.Error, ErrorCode: outcome.Error.Kind == GovernanceErrorKind.Conflict ? ExitCodes.AlreadyEnrolled : ExitCodes.Refused);
                    }

                    var t = outcome.Value;
                    return Reply.Of(new { subject = t.SubjectId, t.EnrolmentId, t.TransformationKeyId, t.EncryptionKeyId, t.SealingKeyId, t.CreatedAt });
                },
                () => mode == EnrolmentMode.ReEnrol
                    ? new HttpRequestMessage(HttpMethod.Put, $"/v1/onboarding/{r.GetValue(subject)}") { Content = JsonContent.Create(new { embedding = values }, options: GovernanceJson.Options) }
                    : new HttpRequestMessage(HttpMethod.Post, "/v1/onboarding") { Content = JsonContent.Create(new { subject = r.GetValue(subject), embedding = values }, options: GovernanceJson.Options) },
                RemoteErrorCodes: new Dictionary<System.Net.HttpStatusCode, int> { [System.Net.HttpStatusCode.Conflict] = ExitCodes.AlreadyEnrolled });
        });
        var verify = Define(runner, "verify", "Verify a probe against the subject's enrolment (exit 0 match, 2 no match or refused).", [subject, .. probeOptions], r =>
        {
            var values = Probe(r);
            return new Operation(
                async (s, ct) =>
                {
                    if (!FaceTemplate.TryFromEmbedding(values, out var template))
                    {
                        return InvalidEmbedding();
                    }

                    VerificationResult result;
                    try
                    {
                        result = await s.Verification.Value.VerifyAsync(r.GetValue(subject).Value, template, ct);
                    }
                    catch (Biometrics.Decisions.DecisionRefusedException ex)
                    {
                        return new Reply(null, new GovernanceError(GovernanceErrorKind.Conflict, $"The key holder refused the decision ({ex.Reason}): {ex.Message}"));
                    }

                    if (result.Refusal is not { } refusal)
                    {
                        return Reply.Of(new { subject = r.GetValue(subject), match = result.IsMatch }, result.IsMatch ? ExitCodes.Success : ExitCodes.Refused);
                    }

                    var kind = refusal switch
                    {
                        VerificationRefusal.NoConsent => GovernanceErrorKind.Refused,
                        VerificationRefusal.NotEnrolled => GovernanceErrorKind.NotFound,
                        VerificationRefusal.KeyRevoked or VerificationRefusal.RateLimited => GovernanceErrorKind.NotApplicable,
                        _ => GovernanceErrorKind.Conflict,
                    };
                    return new Reply(null, new GovernanceError(kind, refusal.Describe()));
                },
                () => new HttpRequestMessage(HttpMethod.Post, "/v1/verification") { Content = JsonContent.Create(new { subject = r.GetValue(subject), embedding = values }, options: GovernanceJson.Options) });
        });
        var revokeSubject = CliOptions.Subject();
        var reason = new Option<string>("--reason") { Description = "revocation (default), withdrawal or erasure (Art. 17); recorded in the ledger.", DefaultValueFactory = _ => "revocation" };
        reason.AcceptOnlyFromAmong("revocation", "withdrawal", "erasure");
        var revoke = Define(runner, "revoke", "Remove the subject's enrolment: every transformation key of theirs is destroyed (crypto-shredded, also against restored backups) and the template deleted.", [revokeSubject, reason], r => new Operation(
            async (s, ct) => await s.Verification.Value.RemoveEnrolmentAsync(s.Actor.Value, r.GetValue(revokeSubject).Value, Enum.Parse<EnrolmentRemoval>(r.GetValue(reason)!, ignoreCase: true), ct)
                ? Reply.Of(new { subject = r.GetValue(revokeSubject), removed = true, reason = r.GetValue(reason) })
                : new Reply(null, new GovernanceError(GovernanceErrorKind.NotFound, "The subject has no enrolment.")),
            () => new HttpRequestMessage(HttpMethod.Delete, $"/v1/onboarding/{r.GetValue(revokeSubject)}?reason={r.GetValue(reason)}")));
        var rotate = Define(runner, "rotate-keys", "Rotate the provider's encryption and sealing keys: every stored template is re-encrypted by key switching (no face needed, nothing decrypted) and the old keys are destroyed; an interrupted rotation resumes.", [], _ => new Operation(
            async (s, ct) => Reply.Of(await s.Verification.Value.RotateProviderKeysAsync(new RotationProgress(), ct)),
            () => new HttpRequestMessage(HttpMethod.Post, "/v1/verification/key-rotation")));
        return Group("faces", "Protected face verification: cancelable, encrypted, sealed templates.", onboard, verify, revoke, rotate, InitCommand(runner), AttestationKeyCommand(runner), DecisionReportCommand(runner));
    }

    /// <summary>The probe's embedding: from a file, from a photo through the capture pipeline, or from a crop with the user's own model.</summary>
    private static float[] ReadProbe(FileInfo? embedding, FileInfo? image, FileInfo? model, int inputSize, DirectoryInfo? models, bool largestFace)
    {
        if (embedding is not null && image is null && model is null)
        {
            return ReadEmbedding(embedding);
        }

        if (embedding is not null || image is null)
        {
            throw new IOException("Give either --embedding, or --image (a photo), or --image with --model (a cropped face for your own model).");
        }

        if (model is null)
        {
            return PhotoCapture.Embed(image, models, largestFace);
        }

        var limits = new Biometrics.Onnx.Capture.FaceCaptureOptions();
        var bytes = Biometrics.Onnx.Capture.FaceCapture.ReadAtMost(image.FullName, limits.MaxImageBytes)
            ?? throw new CliFailure(ExitCodes.ImageTooLarge, $"{image.Name} is larger than {limits.MaxImageBytes:N0} bytes, the most accepted.");
        try
        {
            using var embedder = new Biometrics.Onnx.OnnxFaceEmbedder(model.FullName, new Biometrics.Onnx.OnnxEmbedderOptions(inputSize, inputSize));
            return embedder.Extract(bytes).Values.ToArray();
        }
        catch (Exception ex) when (ex is InvalidDataException or ArgumentException)
        {
            throw new IOException(ex.Message, ex);
        }
        finally
        {
            Array.Clear(bytes);
        }
    }

    /// <summary>Reads an embedding file; a malformed one is a command-line error (the caller reports it).</summary>
    private static float[] ReadEmbedding(FileInfo file)
    {
        var text = File.ReadAllText(file.FullName).Trim();
        try
        {
            if (text.StartsWith('['))
            {
                return JsonSerializer.Deserialize<float[]>(text) ?? throw new IOException($"{file.Name}: the JSON array is empty.");
            }

            var cells = text.Split(',');
            var start = float.TryParse(cells[0], NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? 0 : 1;
            return [.. cells.Skip(start).Select(c => float.Parse(c, NumberStyles.Float, CultureInfo.InvariantCulture))];
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            throw new IOException($"{file.Name}: not a JSON array of numbers or a CSV line of numbers ({ex.Message}).", ex);
        }
    }

    private static Reply InvalidEmbedding() =>
        new(null, new GovernanceError(GovernanceErrorKind.Invalid, FaceTemplate.EmbeddingRule, "embedding"));

    /// <summary>Rotation progress on standard error, every tenth of the way, in the caller's thread and order.</summary>
    private sealed class RotationProgress : IProgress<(int Done, int Total)>
    {
        private int _shown = -1;

        public void Report((int Done, int Total) value)
        {
            var tenth = value.Total == 0 ? 10 : value.Done * 10 / value.Total;
            if (tenth != _shown)
            {
                _shown = tenth;
                Console.Error.WriteLine($"rotating: {value.Done}/{value.Total} templates");
            }
        }
    }
}
