using System.Security.Cryptography;
using Obscura.Biometrics.Keys;
using Obscura.Biometrics.Protection;
using Obscura.TestSupport;

namespace Obscura.Biometrics.Tests;

public sealed class SealAndKeyTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_seal_breaks_when_anything_it_binds_changes()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var verifier = new TemplateSealVerifier("seal_a", ecdsa.ExportSubjectPublicKeyInfo());
        using var sealer = new TemplateSealer("seal_a", ECDsa.Create(ecdsa.ExportParameters(true)));
        var sealedTemplate = sealer.Seal("enr_1", "subject-1", "ttk_1", "hek_1", DateTimeOffset.UnixEpoch, [1, 2, 3]);
        verifier.Verify(sealedTemplate, "subject-1");

        SealedTemplate[] tampered =
        [
            sealedTemplate with { Ciphertext = [1, 2, 4] },
            sealedTemplate with { EnrolmentId = "enr_2" },
            sealedTemplate with { SubjectId = "subject-2" },
            sealedTemplate with { TransformationKeyId = "ttk_2" },
            sealedTemplate with { EncryptionKeyId = "hek_2" },
            sealedTemplate with { CreatedAt = DateTimeOffset.UnixEpoch.AddSeconds(1) },
            sealedTemplate with { Signature = [.. sealedTemplate.Signature[..^1], (byte)(sealedTemplate.Signature[^1] ^ 1)] },
            sealedTemplate with { SealingKeyId = "seal_b" },
        ];
        foreach (var t in tampered)
        {
            Assert.Throws<BrokenSealException>(() => verifier.Verify(t, t.SubjectId));
        }

        // A valid template of one subject presented for another (a swap in storage) is refused too.
        Assert.Throws<BrokenSealException>(() => verifier.Verify(sealedTemplate, "subject-2"));
    }

    [Fact]
    public void Provider_keys_are_stored_wrapped_survive_a_restart_and_revocation_destroys_them()
    {
        var kms = KeyManagementService.Open(_dir.Path);
        var id = kms.CreateSealingKey("bank");
        byte[] secret;
        using (var sealer = kms.OpenSealer(id))
        {
            secret = PrivateKeyOf(sealer);
        }

        var record = File.ReadAllBytes(Path.Combine(_dir.Path, id + ".json"));
        Assert.Equal(-1, record.AsSpan().IndexOf(secret));
        Assert.DoesNotContain(Convert.ToBase64String(secret), System.Text.Encoding.UTF8.GetString(record), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir.Path, "master.key")));
        }

        var reopened = KeyManagementService.Open(_dir.Path);
        using (var again = reopened.OpenSealer(id))
        {
            Assert.Equal(secret, PrivateKeyOf(again));
        }

        reopened.Revoke(id);
        Assert.False(reopened.IsActive(id));
        Assert.Throws<KeyRevokedException>(() => kms.OpenSealer(id));
        Assert.DoesNotContain("\"Wrapped\":\"", File.ReadAllText(Path.Combine(_dir.Path, id + ".json")), StringComparison.Ordinal);
        Assert.Throws<KeyRevokedException>(() => kms.OpenSealer("seal_unknown"));
        Assert.Throws<ArgumentException>(() => kms.OpenSealer("../master"));
    }

    [Fact]
    public void Tampered_or_moved_wrapped_material_fails_authentication()
    {
        var kms = KeyManagementService.Open(_dir.Path);
        var a = kms.CreateSealingKey("bank");
        var b = kms.CreateSealingKey("bank");
        var pathA = Path.Combine(_dir.Path, a + ".json");
        var pathB = Path.Combine(_dir.Path, b + ".json");

        // Move b's wrapped material into a's record: the id is authenticated data, so it does not unwrap.
        var recordA = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(pathA))!;
        var recordB = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(pathB))!;
        foreach (var field in new[] { "Nonce", "Wrapped", "Tag" })
        {
            recordA[field] = recordB[field]!.GetValue<string>();
        }

        File.WriteAllText(pathA, recordA.ToJsonString());
        Assert.Throws<InvalidDataException>(() => kms.OpenSealer(a));
    }

    private static byte[] PrivateKeyOf(TemplateSealer sealer) =>
        ((ECDsa)typeof(TemplateSealer).GetField("_key", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!.GetValue(sealer)!).ExportParameters(includePrivateParameters: true).D!;

    [Fact]
    public void A_disposed_key_store_has_zeroed_its_master_key_and_refuses_use()
    {
        var kms = KeyManagementService.Open(_dir.Path);
        var sealingKeyId = kms.CreateSealingKey("provider-1");
        var master = typeof(KeyManagementService).GetField("_masterKey", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!;
        var held = (byte[])master.GetValue(kms)!;
        Assert.Contains(held, b => b != 0);
        kms.Dispose();
        Assert.All(held, b => Assert.Equal(0, b));
        Assert.Throws<ObjectDisposedException>(() => kms.OpenSealer(sealingKeyId));
        Assert.Throws<ObjectDisposedException>(() => kms.CreateSealingKey("provider-2"));
        Assert.Throws<ObjectDisposedException>(() => kms.DeriveKey("anything"));
    }
}
