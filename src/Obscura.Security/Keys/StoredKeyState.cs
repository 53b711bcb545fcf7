namespace Obscura.Security.Keys;

/// <summary>What a <see cref="ShreddingKeyStore"/> knows of a key id.</summary>
public enum StoredKeyState
{
    /// <summary>Never stored here.</summary>
    Unknown,

    /// <summary>Stored and readable.</summary>
    Active,

    /// <summary>Destroyed: its material is gone and its id is never reused.</summary>
    Destroyed,
}
