/** One colour per series, distinguishable on white and by most colour-blind readers (Okabe-Ito). */
export const PALETTE = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#7a5195', '#444444'];

export const colourAt = (i: number): string => PALETTE[i % PALETTE.length];
