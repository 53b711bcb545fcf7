using System.Security.Cryptography;
using Obscura.Governance.Ledger;

namespace Obscura.Governance.Tests;

public sealed class LedgerKeyTests
{
    [Fact]
    public void A_signed_head_verifies_and_any_changed_field_does_not()
    {
        using var key = LedgerSigningKey.Generate();
        var root = SHA256.HashData("root"u8);
        var head = key.Sign(42, root, DateTimeOffset.UnixEpoch.AddDays(1));
        Assert.True(key.VerificationKey.Verify(head));
        Assert.False(key.VerificationKey.Verify(head with { TreeSize = 43 }));
        Assert.False(key.VerificationKey.Verify(head with { Timestamp = head.Timestamp.AddMilliseconds(1) }));
        Assert.False(key.VerificationKey.Verify(head with { RootHash = SHA256.HashData("other"u8) }));
        Assert.False(key.VerificationKey.Verify(head with { Signature = new byte[64] }));
        Assert.False(key.VerificationKey.Verify(head with { Signature = new byte[3] }));
    }

    [Fact]
    public void Keys_round_trip_through_pem_and_keep_their_id()
    {
        using var key = LedgerSigningKey.Generate();
        using var restored = LedgerSigningKey.ImportPem(key.ExportPrivateKeyPem());
        using var published = LedgerVerificationKey.FromPem(key.VerificationKey.ExportPem());
        Assert.Equal(key.KeyId, restored.KeyId);
        Assert.Equal(key.KeyId, published.KeyId);
        Assert.True(published.Verify(restored.Sign(1, new byte[32], DateTimeOffset.UnixEpoch)));
    }

    [Fact]
    public void Import_refuses_other_curves_public_only_pem_and_garbage_without_echoing_input()
    {
        using var brainpool = ECDsa.Create(ECCurve.NamedCurves.brainpoolP256r1);
        Assert.Throws<ArgumentException>(() => LedgerSigningKey.ImportPem(brainpool.ExportPkcs8PrivateKeyPem()));
        Assert.Throws<ArgumentException>(() => LedgerVerificationKey.FromPem(brainpool.ExportSubjectPublicKeyInfoPem()));
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        Assert.Throws<ArgumentException>(() => LedgerSigningKey.ImportPem(p384.ExportPkcs8PrivateKeyPem()));

        using var key = LedgerSigningKey.Generate();
        Assert.Throws<ArgumentException>(() => LedgerSigningKey.ImportPem(key.VerificationKey.ExportPem()));
        var secretPem = key.ExportPrivateKeyPem();
        var ex = Assert.Throws<ArgumentException>(() => LedgerSigningKey.ImportPem(secretPem[..^40]));
        Assert.DoesNotContain(secretPem.Split('\n')[1], ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_never_print_their_material_and_cannot_be_used_after_dispose()
    {
        var key = LedgerSigningKey.Generate();
        Assert.Equal($"LedgerSigningKey({key.KeyId})", key.ToString());
        key.Dispose();
        Assert.Throws<ObjectDisposedException>(() => key.Sign(1, new byte[32], DateTimeOffset.UnixEpoch));
        Assert.Throws<ObjectDisposedException>(() => key.ExportPrivateKeyPem());
    }
}
