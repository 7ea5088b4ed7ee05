extension BankHolidays {
    /// A holiday on its nominal day, before substitution and proclamations.
    struct NominalHoliday {
        var date: CivilDate
        var name: String
        /// A fixed calendar date, moved to a weekday when it falls on a weekend.
        var substitutable: Bool
    }

    static let newYearsDay = "New Year’s Day"
    static let secondJanuary = "2nd January"
    static let stPatricksDay = "St Patrick’s Day"
    static let goodFriday = "Good Friday"
    static let easterMonday = "Easter Monday"
    static let earlyMay = "Early May bank holiday"
    static let spring = "Spring bank holiday"
    static let battleOfTheBoyne = "Battle of the Boyne (Orangemen’s Day)"
    static let summer = "Summer bank holiday"
    static let stAndrewsDay = "St Andrew’s Day"
    static let christmasDay = "Christmas Day"
    static let boxingDay = "Boxing Day"

    static func nominalHolidays(in region: BankHolidayRegion, year: Int) -> [NominalHoliday] {
        func fixed(_ month: Int, _ day: Int, _ name: String) -> NominalHoliday {
            NominalHoliday(date: date(year, month, day), name: name, substitutable: true)
        }
        func onDay(_ date: CivilDate, _ name: String) -> NominalHoliday {
            NominalHoliday(date: date, name: name, substitutable: false)
        }
        let easter = easterSunday(year: year)
        var holidays = [fixed(1, 1, newYearsDay)]
        if region == .scotland { holidays.append(fixed(1, 2, secondJanuary)) }
        if region == .northernIreland { holidays.append(fixed(3, 17, stPatricksDay)) }
        holidays.append(onDay(easter.advanced(by: -2), goodFriday))
        if region != .scotland { holidays.append(onDay(easter.advanced(by: 1), easterMonday)) }
        holidays.append(onDay(firstMonday(year, 5), earlyMay))
        holidays.append(onDay(lastMonday(year, 5), spring))
        if region == .northernIreland { holidays.append(fixed(7, 12, battleOfTheBoyne)) }
        holidays.append(onDay(region == .scotland ? firstMonday(year, 8) : lastMonday(year, 8), summer))
        if region == .scotland, year >= 2007 { holidays.append(fixed(11, 30, stAndrewsDay)) }
        holidays.append(fixed(12, 25, christmasDay))
        holidays.append(fixed(12, 26, boxingDay))
        return holidays
    }

    /// Easter Sunday in the Gregorian calendar (the anonymous "Meeus/Jones/Butcher" computus).
    static func easterSunday(year: Int) -> CivilDate {
        let a = year % 19
        let b = year / 100
        let c = year % 100
        let d = b / 4
        let e = b % 4
        let f = (b + 8) / 25
        let g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4
        let k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return date(year, month, day)
    }

    static func firstMonday(_ year: Int, _ month: Int) -> CivilDate {
        let first = date(year, month, 1)
        return first.advanced(by: (8 - first.weekday) % 7)
    }

    static func lastMonday(_ year: Int, _ month: Int) -> CivilDate {
        let last = date(year, month, CivilDate.daysInMonth(year: year, month: month))
        return last.advanced(by: -((last.weekday - 1) % 7))
    }

    /// A date known to be valid (year 1…9999, existing month and day).
    static func date(_ year: Int, _ month: Int, _ day: Int) -> CivilDate {
        CivilDate(unchecked: CivilDate.dayNumber(year: year, month: month, day: day))
    }
}
