using System.Globalization;
using Obscura.Governance.Accountability;
using Obscura.Governance.Purposes;
using Obscura.Governance.Records;
using Obscura.StoreAnalytics.Edge;

namespace Obscura.StoreAnalytics.Notice;

/// <summary>
/// The layered notice built from the governance records, so that what the sign and the second layer say cannot drift
/// from what the controller registered and assessed: the controller and its contact, the purpose, its retention and
/// its processors (with transfers outside the EEA) from the purpose's registration; the legitimate interest and the
/// outcome of its assessment from the LIA in force; the addresses, the objection procedure, the complaint route and
/// the DPO from the <see cref="NoticeParticulars"/> in force. Nothing is produced while <see cref="PublicationGate"/>
/// finds the governance incomplete.
/// </summary>
public static class GovernedNotice
{
    /// <summary>The notice's statements taken from the records.</summary>
    /// <exception cref="PublicationRefusedException">The governance is incomplete; the exception lists what blocks.</exception>
    /// <exception cref="ArgumentException"><paramref name="accountability"/> is not the summary of <paramref name="purpose"/>.</exception>
    public static NoticeConfiguration Configuration(Purpose purpose, PurposeAccountability accountability)
    {
        PublicationGate.Ensure(purpose, accountability, Publication.Notice);
        var d = purpose.Definition;
        var lia = accountability.LegitimateInterests!;
        var particulars = accountability.NoticeParticulars!;
        var outside = d.Processors.Where(o => !RecordsOfProcessing.EeaCountries.Contains(o.Country)).ToList();
        return new NoticeConfiguration
        {
            Controller = d.Controller.Name,
            ControllerContact = d.Controller.Contact,
            DataProtectionOfficer = particulars.DataProtectionOfficer,
            Purpose = d.Description,
            LegitimateInterest = lia.Interest.Trim().TrimEnd('.'),
            InterestAssessment = string.Create(CultureInfo.InvariantCulture, $"Our legitimate-interests assessment (purpose, necessity and balancing tests) concluded: {lia.Outcome.ToString().ToLowerInvariant()}; the interest is not overridden by visitors' interests and rights."),
            Processor = d.Processors.Count == 0 ? "none: we compute the statistics ourselves" : string.Join("; ", d.Processors.Select(o => $"{o.Name} ({o.Country}, {o.Contact})")),
            ThirdCountryTransfers = outside.Count == 0 ? null : string.Join("; ", outside.Select(o => $"to {o.Name} in {o.Country}")),
            AggregateRetention = string.Create(CultureInfo.InvariantCulture, $"{d.Retention.Days} days"),
            SecondLayerUrl = particulars.SecondLayerUrl,
            ObjectionUrl = particulars.ObjectionUrl,
            InStoreObjection = particulars.InStoreObjection,
            SupervisoryAuthority = particulars.SupervisoryAuthority,
        };
    }

    /// <summary>Both layers from the records and the edge's configuration.</summary>
    /// <exception cref="PublicationRefusedException">The governance is incomplete.</exception>
    /// <exception cref="InvalidDataException">A camera has a privacy mask but the records state no in-store objection procedure.</exception>
    public static LayeredNotice Generate(Purpose purpose, PurposeAccountability accountability, EdgeConfiguration edge) =>
        LayeredNotice.Generate(Configuration(purpose, accountability), edge);
}
