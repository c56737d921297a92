/** Registers every shipped model's recipe with the zoo (import for side effects). */
export {};
