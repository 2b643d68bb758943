//! WebDriver client
