using System.Security.Cryptography;
using System.Text;

namespace Obscura.Biometrics.Decisions;

/// <summary>
/// The capture side's end of the encrypted decision: an ephemeral ECDH P-256 key whose public half goes into the
/// ticket request, and which alone opens the <see cref="SealedDecision"/> the key holder returns through the comparison
/// role. One channel serves one verification; disposing erases the private key.
/// </summary>
public sealed class DecisionChannel : IDisposable
{
    private const int KeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const byte Match = 0x4d;
    private const byte NoMatch = 0x4e;
    private static readonly byte[] Info = Encoding.UTF8.GetBytes("obscura/decision-channel/v1");
    private readonly ECDiffieHellman _key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>The ephemeral public key for <see cref="DecisionTicketRequest.CapturePublicKey"/> (SubjectPublicKeyInfo).</summary>
    public byte[] PublicKey => _key.ExportSubjectPublicKeyInfo();

    /// <summary>The decision the key holder made for <paramref name="ticket"/>.</summary>
    /// <exception cref="InvalidDataException">The blob was not made by the key holder for this ticket (forged, altered or another ticket's).</exception>
    public bool Open(DecisionTicket ticket, SealedDecision decision)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        ArgumentNullException.ThrowIfNull(decision);
        if (decision is not { TicketNonce: not null, Nonce.Length: NonceSize, Ciphertext.Length: 1, Tag.Length: TagSize }
            || !CryptographicOperations.FixedTimeEquals(decision.TicketNonce, ticket.Nonce))
        {
            throw new InvalidDataException("The decision does not answer this verification's ticket.");
        }

        var key = Agree(_key, ticket.KeyHolderPublicKey, ticket.Nonce);
        var plain = new byte[1];
        try
        {
            using var gcm = new AesGcm(key, TagSize);
            gcm.Decrypt(decision.Nonce, decision.Ciphertext, decision.Tag, plain, ticket.Nonce);
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new InvalidDataException("The decision fails authentication: it was not made by the key holder for this verification.", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }

        return plain[0] switch
        {
            Match => true,
            NoMatch => false,
            _ => throw new InvalidDataException("The decision is not a match or no-match answer."),
        };
    }

    /// <inheritdoc/>
    public void Dispose() => _key.Dispose();

    /// <summary>The 32-byte key both ends derive: HKDF-SHA256 of the ECDH secret, salted with the ticket nonce.</summary>
    /// <exception cref="ArgumentException">The peer's key is not a P-256 SubjectPublicKeyInfo.</exception>
    internal static byte[] Agree(ECDiffieHellman own, byte[] peerSubjectPublicKeyInfo, byte[] ticketNonce)
    {
        ArgumentNullException.ThrowIfNull(peerSubjectPublicKeyInfo);
        using var peer = ECDiffieHellman.Create();
        try
        {
            peer.ImportSubjectPublicKeyInfo(peerSubjectPublicKeyInfo, out _);
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException("The decision channel's public key is not a SubjectPublicKeyInfo.", nameof(peerSubjectPublicKeyInfo), e);
        }

        if (peer.KeySize != 256)
        {
            throw new ArgumentException("The decision channel's public key is a P-256 key.", nameof(peerSubjectPublicKeyInfo));
        }

        var secret = own.DeriveRawSecretAgreement(peer.PublicKey);
        try
        {
            return HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, KeySize, ticketNonce, Info);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>The key holder's side: <paramref name="match"/> encrypted under the agreed key, bound to the ticket.</summary>
    internal static SealedDecision Seal(ReadOnlySpan<byte> key, byte[] ticketNonce, bool match)
    {
        var nonce = RandomNumberGenerator.GetBytes(NonceSize);
        var ciphertext = new byte[1];
        var tag = new byte[TagSize];
        using var gcm = new AesGcm(key, TagSize);
        byte[] plain = [match ? Match : NoMatch];
        gcm.Encrypt(nonce, plain, ciphertext, tag, ticketNonce);
        return new SealedDecision(ticketNonce, nonce, ciphertext, tag);
    }
}
