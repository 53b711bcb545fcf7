namespace Obscura.Homomorphic.Internal;

/// <summary>The kind byte of a serialised object, shared by the CKKS and BGV formats (each uses the kinds it has).</summary>
internal enum SerializedKind : byte
{
    Parameters = 1,
    Plaintext = 2,
    Ciphertext = 3,
    PublicKey = 4,
    RelinearizationKey = 5,
    GaloisKeys = 6,
    SecretKey = 7,
    SeededCiphertext = 8,
    KeySwitchKey = 9,
}
