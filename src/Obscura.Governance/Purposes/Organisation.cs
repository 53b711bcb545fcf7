namespace Obscura.Governance.Purposes;

/// <summary>A controller or processor, as it must appear in the records of processing (GDPR Art. 30).</summary>
/// <param name="Name">Legal name.</param>
/// <param name="Contact">Contact point (address, e-mail or URL of the organisation, not of a private person).</param>
/// <param name="Country">ISO 3166-1 alpha-2 country where it processes the data; transfers outside the EEA are listed from this.</param>
public sealed record Organisation(string Name, string Contact, string Country);
