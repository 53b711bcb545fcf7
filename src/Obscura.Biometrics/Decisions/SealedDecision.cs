namespace Obscura.Biometrics.Decisions;

/// <summary>
/// A decision encrypted by the key holder to the capture side that asked for the ticket (AES-256-GCM under a key from
/// ephemeral ECDH P-256 and HKDF, the ticket nonce as associated data). The comparison role relays it and learns nothing
/// from it; only the holder of the capture side's ephemeral private key can open it, and a blob made by anyone else
/// fails authentication.
/// </summary>
/// <param name="TicketNonce">The ticket the decision answers.</param>
/// <param name="Nonce">The AES-GCM nonce (12 bytes).</param>
/// <param name="Ciphertext">The encrypted decision.</param>
/// <param name="Tag">The AES-GCM tag (16 bytes).</param>
public sealed record SealedDecision(byte[] TicketNonce, byte[] Nonce, byte[] Ciphertext, byte[] Tag);
