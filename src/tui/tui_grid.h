#pragma once

// A screen as data: `height` rows of `width` cells, each one code point (every glyph the TUI
// uses is one column wide) and a Style. Writes are clipped at the edges, so nothing can land
// outside the grid. The renderer fills it, tui_screen draws it, tests compare its rows as text
// (RowText) and its styles as one letter per cell (RowStyles). Pure.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace maxpool::tui {

// What a cell looks like; tui_screen maps each to colours and attributes.
enum class Style : uint8_t {
  kNormal,     // ' ' plain text
  kDim,        // 'd' secondary text (headers, disabled accounts, empty bar cells)
  kBold,       // 'b' emphasis (names, titles)
  kTitle,      // 't' the title bar (reverse video)
  kGood,       // 'g' green text (active, connected)
  kWarn,       // 'y' yellow text (throttled, reconnecting)
  kBad,        // 'r' red text (exhausted, needs login, errors)
  kBarGreen,   // 'G' the filled part of a quota bar below 70 %
  kBarYellow,  // 'Y' ... below 90 %
  kBarRed,     // 'R' ... 90 % and above
  kBarEmpty,   // 'e' the unfilled part of a quota bar
  kSelected,   // 's' the highlighted item of a list (reverse video)
  kBanner,     // 'B' an alert banner (breaker, holds, drain): white on red
  kKey,        // 'k' a key name in the footer
};

// The letter RowStyles uses for `style`.
char StyleLetter(Style style);

struct Cell {
  char32_t ch = U' ';
  Style style = Style::kNormal;
};

class Grid {
 public:
  Grid(int width, int height);

  int width() const { return width_; }
  int height() const { return height_; }

  // Writes UTF-8 `text` at (row, col) in `style`, clipped to the grid and to `max_cols` columns
  // when given (>= 0). Returns the number of columns written.
  int Put(int row, int col, std::string_view text, Style style = Style::kNormal, int max_cols = -1);
  // Sets the style of `count` cells from (row, col), clipped.
  void Paint(int row, int col, int count, Style style);
  // Fills a row with spaces in `style`.
  void FillRow(int row, Style style);

  const Cell& at(int row, int col) const { return cells_[Index(row, col)]; }
  // The row as UTF-8, trailing spaces removed.
  std::string RowText(int row) const;
  // The row's styles, one StyleLetter per cell, trailing kNormal cells removed.
  std::string RowStyles(int row) const;
  // Every row's text joined with '\n' (each row ends with one).
  std::string Text() const;

 private:
  size_t Index(int row, int col) const {
    return static_cast<size_t>(row) * static_cast<size_t>(width_) + static_cast<size_t>(col);
  }

  int width_;
  int height_;
  std::vector<Cell> cells_;
};

// UTF-8 to code points (invalid bytes become U+FFFD) and back.
std::u32string DecodeUtf8(std::string_view text);
std::string EncodeUtf8(std::u32string_view text);
// Columns `text` takes (code points).
int TextWidth(std::string_view text);
// `text` cut to `cols` columns, ending with "…" when it was cut.
std::string Ellipsize(std::string_view text, int cols);

}  // namespace maxpool::tui
