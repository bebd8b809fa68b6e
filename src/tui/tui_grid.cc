#include "tui/tui_grid.h"

#include <algorithm>

namespace maxpool::tui {

char StyleLetter(Style style) {
  switch (style) {
    case Style::kNormal:
      return ' ';
    case Style::kDim:
      return 'd';
    case Style::kBold:
      return 'b';
    case Style::kTitle:
      return 't';
    case Style::kGood:
      return 'g';
    case Style::kWarn:
      return 'y';
    case Style::kBad:
      return 'r';
    case Style::kBarGreen:
      return 'G';
    case Style::kBarYellow:
      return 'Y';
    case Style::kBarRed:
      return 'R';
    case Style::kBarEmpty:
      return 'e';
    case Style::kSelected:
      return 's';
    case Style::kBanner:
      return 'B';
    case Style::kKey:
      return 'k';
  }
  return '?';
}

Grid::Grid(int width, int height)
    : width_(std::max(0, width)),
      height_(std::max(0, height)),
      cells_(static_cast<size_t>(width_) * static_cast<size_t>(height_)) {}

int Grid::Put(int row, int col, std::string_view text, Style style, int max_cols) {
  if (row < 0 || row >= height_) return 0;
  int written = 0;
  for (char32_t ch : DecodeUtf8(text)) {
    if (max_cols >= 0 && written >= max_cols) break;
    const int c = col + written;
    if (c >= width_) break;
    if (c >= 0) {
      // Control characters never reach the terminal.
      cells_[Index(row, c)] = Cell{ch < 0x20 || ch == 0x7f ? U' ' : ch, style};
    }
    ++written;
  }
  return written;
}

void Grid::Paint(int row, int col, int count, Style style) {
  if (row < 0 || row >= height_) return;
  for (int c = std::max(0, col); c < std::min(width_, col + count); ++c) {
    cells_[Index(row, c)].style = style;
  }
}

void Grid::FillRow(int row, Style style) {
  if (row < 0 || row >= height_) return;
  for (int c = 0; c < width_; ++c) cells_[Index(row, c)] = Cell{U' ', style};
}

std::string Grid::RowText(int row) const {
  std::u32string text;
  for (int c = 0; c < width_; ++c) text.push_back(at(row, c).ch);
  while (!text.empty() && text.back() == U' ') text.pop_back();
  return EncodeUtf8(text);
}

std::string Grid::RowStyles(int row) const {
  std::string styles;
  for (int c = 0; c < width_; ++c) styles.push_back(StyleLetter(at(row, c).style));
  while (!styles.empty() && styles.back() == ' ') styles.pop_back();
  return styles;
}

std::string Grid::Text() const {
  std::string text;
  for (int r = 0; r < height_; ++r) {
    text += RowText(r);
    text += '\n';
  }
  return text;
}

std::u32string DecodeUtf8(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto b = static_cast<unsigned char>(text[i]);
    int extra = 0;
    char32_t cp = 0;
    if (b < 0x80) {
      cp = b;
    } else if ((b & 0xE0) == 0xC0) {
      cp = b & 0x1F;
      extra = 1;
    } else if ((b & 0xF0) == 0xE0) {
      cp = b & 0x0F;
      extra = 2;
    } else if ((b & 0xF8) == 0xF0) {
      cp = b & 0x07;
      extra = 3;
    } else {
      out.push_back(U'\uFFFD');
      ++i;
      continue;
    }
    if (i + static_cast<size_t>(extra) >= text.size()) {  // cut short
      out.push_back(U'\uFFFD');
      break;
    }
    bool ok = true;
    for (int k = 1; k <= extra; ++k) {
      const auto c = static_cast<unsigned char>(text[i + static_cast<size_t>(k)]);
      if ((c & 0xC0) != 0x80) {
        ok = false;
        break;
      }
      cp = (cp << 6) | (c & 0x3F);
    }
    if (!ok) {
      out.push_back(U'\uFFFD');
      ++i;
      continue;
    }
    out.push_back(cp);
    i += static_cast<size_t>(extra) + 1;
  }
  return out;
}

std::string EncodeUtf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t cp : text) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  return out;
}

int TextWidth(std::string_view text) { return static_cast<int>(DecodeUtf8(text).size()); }

std::string Ellipsize(std::string_view text, int cols) {
  if (cols <= 0) return "";
  std::u32string cps = DecodeUtf8(text);
  if (static_cast<int>(cps.size()) <= cols) return std::string(text);
  cps.resize(static_cast<size_t>(cols - 1));
  cps.push_back(U'…');
  return EncodeUtf8(cps);
}

}  // namespace maxpool::tui
