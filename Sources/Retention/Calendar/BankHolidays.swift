/// Bank holidays of the United Kingdom, computed from their rules; no table to download.
///
/// England and Wales: New Year's Day, Good Friday, Easter Monday, the early May bank holiday
/// (first Monday in May), the spring bank holiday (last Monday in May), the summer bank holiday
/// (last Monday in August), Christmas Day and Boxing Day. A fixed-date holiday that falls on a
/// weekend is moved to the next weekday not already a holiday ("substitute day"). Scotland has
/// 2 January, the summer holiday on the first Monday in August and St Andrew's Day (30 November,
/// from 2007) instead of Easter Monday and the late-August Monday; Northern Ireland adds
/// St Patrick's Day (17 March) and the Battle of the Boyne (12 July).
///
/// Holidays moved or added by royal proclamation are a table, ``BankHolidays/proclamations``
/// (e.g. 2020-05-08 VE Day, 2022-06-02/03 Platinum Jubilee, 2022-09-19 State Funeral,
/// 2023-05-08 Coronation). Future one-offs must be added to it when proclaimed. The rules are
/// those in force since 1978 (when the early May holiday began); earlier years are computed
/// with the same rules and are not historically exact.
public enum BankHolidays {
    /// The bank holiday dates of England and Wales in `year`.
    public static func englandAndWales(year: Int) -> Set<CivilDate> {
        dates(in: .englandAndWales, year: year)
    }

    /// The bank holiday dates of `region` in `year` (empty outside 1…9999).
    public static func dates(in region: BankHolidayRegion, year: Int) -> Set<CivilDate> {
        Set(holidays(in: region, year: year).map(\.date))
    }

    /// The bank holidays of `region` in `year`, named as GOV.UK names them, in date order.
    public static func holidays(in region: BankHolidayRegion, year: Int) -> [BankHoliday] {
        guard (1...9999).contains(year) else { return [] }
        var taken: Set<CivilDate> = []
        var result: [BankHoliday] = []
        // Holidays on a Monday by rule, and fixed dates falling on a weekday, keep their day.
        let nominal = nominalHolidays(in: region, year: year)
        for holiday in nominal where !holiday.substitutable || !holiday.date.isWeekend {
            taken.insert(holiday.date)
            result.append(BankHoliday(date: holiday.date, name: holiday.name))
        }
        // Fixed dates on a weekend move, in date order, to the next free weekday.
        for holiday in nominal where holiday.substitutable && holiday.date.isWeekend {
            var day = holiday.date
            while day.isWeekend || taken.contains(day) { day = day.advanced(by: 1) }
            taken.insert(day)
            result.append(BankHoliday(date: day, name: holiday.name + " (substitute day)"))
        }
        return proclaimed(result, in: region, year: year).sorted()
    }

    /// Whether `date` is a working day in England and Wales: a weekday that is not a bank holiday.
    public static func isWorkingDay(_ date: CivilDate) -> Bool {
        isWorkingDay(date, regions: [.englandAndWales])
    }

    /// Whether `date` is a weekday that is a bank holiday in none of `regions`.
    ///
    /// Christmas Day and Good Friday, the common-law holidays, are bank holidays in every region.
    public static func isWorkingDay(_ date: CivilDate, regions: Set<BankHolidayRegion>) -> Bool {
        guard !date.isWeekend else { return false }
        return !regions.contains { dates(in: $0, year: date.year).contains(date) }
    }

    /// The day `count` working days after `date`, not counting `date` itself (so a request
    /// received on a Friday evening or a holiday starts counting on the next working day).
    public static func addingWorkingDays(
        _ count: Int,
        to date: CivilDate,
        regions: Set<BankHolidayRegion> = [.englandAndWales]
    ) -> CivilDate {
        var holidaysByYear: [Int: Set<CivilDate>] = [:]
        func isHoliday(_ day: CivilDate) -> Bool {
            let year = day.year
            if holidaysByYear[year] == nil {
                holidaysByYear[year] = regions.reduce(into: []) { $0.formUnion(dates(in: $1, year: year)) }
            }
            return holidaysByYear[year]?.contains(day) ?? false
        }
        var day = date
        var counted = 0
        while counted < count, day < .max {
            day = day.advanced(by: 1)
            if !day.isWeekend && !isHoliday(day) { counted += 1 }
        }
        return day
    }
}
